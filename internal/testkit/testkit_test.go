package testkit

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClock(t *testing.T) {
	start := time.Date(2020, 12, 21, 7, 56, 11, 0, time.UTC)
	c := NewClock(start)
	assert.Equal(t, start, c.Now())
	c.Advance(-time.Second)
	assert.Equal(t, start.Add(-time.Second), c.Now())
	c.Set(start)
	assert.Equal(t, start, c.Now())
}

func TestField(t *testing.T) {
	body := []byte(`{"a":{"b":"x","n":10000.5,"t":true}}`)
	assert.Equal(t, "x", Field(t, body, "a", "b"))
	assert.Equal(t, "10000.5", Field(t, body, "a", "n"), "a number in its shortest form")
	assert.Equal(t, "true", Field(t, body, "a", "t"))
	assert.Equal(t, "<nil>", Field(t, body, "a", "missing"))
}

func TestSampleAndPaths(t *testing.T) {
	_, err := os.Stat(SamplePath("dana.payment"))
	require.NoError(t, err, "Root finds the module's schemas/testdata")
	assert.NotEmpty(t, Sample(t, "dana.payment"))
	_, err = os.Stat(VectorPath(t, "test_rsa_private_pkcs8.pem"))
	require.NoError(t, err)
	assert.Equal(t, 2048, Key(t).N.BitLen())
}
