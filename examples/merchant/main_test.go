package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSelfTestPassesEveryChannel(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-selftest"}, &out, &errOut, func(string) string { return "" })
	assert.Equal(t, 0, code, out.String()+errOut.String())
	assert.Contains(t, out.String(), "all channels conform")
	assert.NotContains(t, out.String(), "FAIL")
	for _, ch := range []string{"snap-token", "snap-debit", "snap-va", "nonsnap", "kirim-unpaid", "kirim-refund"} {
		assert.Contains(t, out.String(), ch)
	}
}

func TestServeRefusesToStartWithoutKeys(t *testing.T) {
	env := map[string]string{"DOKU_CLIENT_ID": "c", "DOKU_AGENT_KEY": "a", "DOKU_SNAP_SECRET": "s"}
	var out, errOut bytes.Buffer
	code := run([]string{"-addr", "127.0.0.1:0"}, &out, &errOut, func(k string) string { return env[k] })
	assert.Equal(t, 2, code)
	assert.True(t, strings.Contains(errOut.String(), "DOKU_NONSNAP_SECRET is not set"), errOut.String())
	assert.NotContains(t, errOut.String(), "s\n", "the secret value is not echoed")
}
