package verify

import (
	"time"

	"github.com/dokukit/dokukit/sign"
)

// DefaultSkew is the kit's one default allowed distance between a signed timestamp
// and the verifier's clock, in each direction. SNAP fixes no tolerance;
// five minutes is the common choice (docs/protocol.md §7).
const DefaultSkew = 5 * time.Minute

// Timestamps is the timestamp policy shared by every verifier. The zero
// value allows DefaultSkew in both directions against time.Now.
type Timestamps struct {
	// MaxPast is how old a timestamp may be; 0 or less means DefaultSkew.
	MaxPast time.Duration
	// MaxFuture is how far ahead of the clock a timestamp may be (the
	// sender's clock runs fast); 0 or less means DefaultSkew.
	MaxFuture time.Duration
	// Now is the clock; nil means time.Now. Tests inject a fixed clock.
	Now func() time.Time
	// Unchecked turns the skew check off (the format is still checked).
	// Only for offline tools looking at old captures: a live endpoint
	// without a skew check accepts replays forever.
	Unchecked bool
}

func (p Timestamps) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// ParseTimestamp parses a DOKU timestamp: ISO-8601 / RFC 3339 with a zone
// ("Z" or "+07:00") and an optional fraction of 1 to 9 digits — the one
// shape, sign.ParseTimestamp. It accepts 2020-12-21T14:56:11+07:00,
// 2020-12-21T07:56:11.000Z and 2020-10-21T03:38:28Z; it rejects timestamps
// without a zone, because a zoneless time cannot be compared with the
// clock, and wrong digit counts that time.Parse alone lets through
// ("T1:56:11"). The error is ErrBadTimestamp (which is also
// sign.ErrBadTimestamp for errors.Is).
func ParseTimestamp(s string) (time.Time, error) {
	t, err := sign.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, ErrBadTimestamp
	}
	return t, nil
}

// Check parses ts and returns its age (negative when in the future), or an
// error wrapping ErrBadTimestamp, ErrStale or ErrFuture. field names the
// header in the error.
func (p Timestamps) Check(s Scheme, field, ts string) (time.Time, time.Duration, error) {
	t, err := ParseTimestamp(ts)
	if err != nil {
		return t, 0, fail(s, CheckTimestamp, field, ErrBadTimestamp)
	}
	age := p.now().Sub(t)
	if p.Unchecked {
		return t, age, nil
	}
	past, future := p.MaxPast, p.MaxFuture
	if past <= 0 {
		past = DefaultSkew
	}
	if future <= 0 {
		future = DefaultSkew
	}
	switch {
	case age > past:
		return t, age, fail(s, CheckTimestamp, field, ErrStale).with("age " + age.Round(time.Second).String() + ", allowed " + past.String())
	case -age > future:
		return t, age, fail(s, CheckTimestamp, field, ErrFuture).with((-age).Round(time.Second).String() + " ahead, allowed " + future.String())
	}
	return t, age, nil
}
