package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes results as one JUnit XML test suite named suite (the
// format Jenkins, GitLab and GitHub test reporters read); each case's
// failure message says what DOKU would do next.
func WriteJUnit(w io.Writer, suite string, results []Result) error {
	s := junitSuite{Name: suite, Tests: len(results)}
	var total time.Duration
	for _, r := range results {
		total += r.Duration
		c := junitCase{Name: r.Case, ClassName: "dokukit.conformance." + suite, Time: secs(r.Duration), SystemOut: r.Doc}
		if !r.Pass {
			s.Failures++
			c.Failure = &junitFailure{Message: r.Message, Type: "conformance", Text: r.Message}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = secs(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
