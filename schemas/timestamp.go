package schemas

import (
	"strconv"
	"strings"
	"time"

	"github.com/dokukit/dokukit/sign"
)

// ErrTimestamp is returned by ParseTime for text that is no timestamp
// spelling DOKU is known to send.
//
// Deprecated: it is sign.ErrBadTimestamp (which verify.ErrBadTimestamp is
// too), the kit's one name for a malformed timestamp; test either.
var ErrTimestamp = sign.ErrBadTimestamp

// WIB is Western Indonesia Time (UTC+07:00), DOKU's local time. Timestamps
// DOKU sends without a zone are read in WIB. It is sign.WIB.
var WIB = sign.WIB

// ValidTimestamp reports whether s is a strict ISO-8601 timestamp with a
// zone, as SNAP requires of the merchant ("2024-07-10T11:57:58+07:00",
// "2020-12-21T07:56:11.000Z"): sign.ValidTimestamp, the one timestamp
// shape the kit checks (verify.ParseTimestamp is the same).
func ValidTimestamp(s string) bool { return sign.ValidTimestamp(s) }

var lenientLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05.999999999Z0700",
	"20060102150405",
}

// ParseTime reads a timestamp as DOKU sends it, accepting every spelling the
// DOKU pages show: RFC 3339 with or without fraction and zone
// ("2024-01-01T09:09:00.123", "2022-10-18T11:15:07.376472"), a quoted 'T'
// ("2024-01-12'T'07:30:12"), a stray space after the seconds' dot
// ("2024-09-17T14:41:52. 022+07:00"), a stray trailing quote
// ("2022-11-11T10:02:46+07:00\""), "2024-09-17 13:56:57",
// yyyyMMddHHmmss ("20200313095850") and epoch milliseconds
// ("1699520040340"). Text without a zone is read in WIB.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, `"`)
	s = strings.ReplaceAll(s, "'T'", "T")
	s = strings.ReplaceAll(s, ". ", ".")
	if s == "" {
		return time.Time{}, ErrTimestamp
	}
	if len(s) == 13 && allDigits(s) { // epoch milliseconds
		ms, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return time.UnixMilli(ms).UTC(), nil
		}
	}
	for _, l := range lenientLayouts {
		if t, err := time.ParseInLocation(l, s, WIB); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrTimestamp
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
