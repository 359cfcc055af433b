package sign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The one timestamp shape: what verify checks on every request and schemas
// requires of the merchant.
func TestTimestampShape(t *testing.T) {
	for _, ok := range []string{"2020-12-21T14:56:11+07:00", "2020-12-21T07:56:11.000Z", "2020-10-21T03:38:28Z",
		"2024-07-10T11:57:58.123456789-03:30"} {
		assert.True(t, ValidTimestamp(ok), ok)
		_, err := ParseTimestamp(ok)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "2020-12-21T14:56:11", "2020-12-21 14:56:11+07:00", "20201221T145611+0700",
		"1608537371", "2020-13-21T14:56:11+07:00", "2020-12-21T7:56:11Z", "2020-12-21T14:56:11+0700",
		"2020-12-21T14:56:11.Z", "2020-12-21T14:56:11.1234567890Z", "2020-12-21T14:56:11+07:00x"} {
		assert.False(t, ValidTimestamp(bad), bad)
		_, err := ParseTimestamp(bad)
		assert.ErrorIs(t, err, ErrBadTimestamp, bad)
	}
	tm, err := ParseTimestamp("2020-12-21T14:56:11+07:00")
	require.NoError(t, err)
	assert.Equal(t, "2020-12-21T14:56:11+07:00", tm.In(WIB).Format(TimestampLayout))
	// DOKU's timestamps are WIB to the second, whatever the clock's zone
	// and fraction.
	assert.Equal(t, "2020-12-21T14:56:11+07:00", FormatTimestamp(time.Date(2020, 12, 21, 7, 56, 11, 999_999_999, time.UTC)))
	assert.Equal(t, "2020-12-21T14:56:11+07:00", FormatTimestamp(tm))
	assert.Equal(t, time.Date(2020, 12, 21, 7, 56, 11, 0, time.UTC), tm.UTC())
	assert.Zero(t, testing.AllocsPerRun(100, func() { ValidTimestamp("2020-12-21T14:56:11+07:00") }))
}
