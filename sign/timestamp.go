package sign

import (
	"errors"
	"time"
)

// ErrBadTimestamp reports a timestamp that is not ISO-8601 with a zone in
// the shape ValidTimestamp describes. verify.ErrBadTimestamp and
// schemas.ErrTimestamp are this concept too: errors.Is with any of the
// three names matches.
var ErrBadTimestamp = errors.New("sign: malformed timestamp")

// WIB is Western Indonesia Time (UTC+07:00), DOKU's local time: the zone of
// the timestamps DOKU writes, and the zone a timestamp DOKU sends without
// one is read in. It is the kit's one copy (schemas.WIB is this value).
var WIB = time.FixedZone("WIB", 7*60*60)

// TimestampLayout is the layout of the X-TIMESTAMP a DOKU message carries,
// in WIB: 2020-12-21T14:56:11+07:00.
const TimestampLayout = "2006-01-02T15:04:05-07:00"

// FormatTimestamp writes t as DOKU writes an X-TIMESTAMP: in WIB, to the
// second, in TimestampLayout (2020-12-21T14:56:11+07:00). Every signer of
// the kit formats its timestamps with it.
func FormatTimestamp(t time.Time) string { return t.In(WIB).Format(TimestampLayout) }

// ValidTimestamp reports whether s has the one timestamp shape SNAP signs:
// dddd-dd-ddTdd:dd:dd, an optional fraction of 1 to 9 digits, and a zone,
// "Z" or ±hh:mm — 2020-12-21T14:56:11+07:00, 2020-12-21T07:56:11.000Z —
// and is a real instant (no month 13). A zoneless time cannot be compared
// with a clock; wrong digit counts ("T1:56:11") are what time.Parse alone
// lets through. It allocates nothing: it runs on every request.
func ValidTimestamp(s string) bool {
	_, err := ParseTimestamp(s)
	return err == nil
}

// ParseTimestamp parses a timestamp of the shape ValidTimestamp describes,
// or returns ErrBadTimestamp.
func ParseTimestamp(s string) (time.Time, error) {
	if !timestampShape(s) {
		return time.Time{}, ErrBadTimestamp
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, ErrBadTimestamp
	}
	return t, nil
}

// timestampShape checks the exact layout without a regexp.
func timestampShape(s string) bool {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(s) <= len(layout) {
		return false
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] == 'd' {
			if !isDigit(s[i]) {
				return false
			}
		} else if s[i] != layout[i] {
			return false
		}
	}
	rest := s[len(layout):]
	if rest[0] == '.' {
		k := 1
		for k < len(rest) && k <= 9 && isDigit(rest[k]) {
			k++
		}
		if k == 1 {
			return false
		}
		rest = rest[k:]
	}
	if rest == "Z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && isDigit(rest[1]) && isDigit(rest[2]) &&
		rest[3] == ':' && isDigit(rest[4]) && isDigit(rest[5])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
