package main

import (
	"fmt"
	"runtime/debug"
)

// buildInfo is what the binary knows about itself; "unknown" where it
// carries nothing (a go install …@vX binary has a version but no revision,
// a go build in a checkout a revision but the version "(devel)").
type buildInfo struct {
	Module, Version, Revision, Time, Modified, Go string
}

func readBuildInfo(read func() (*debug.BuildInfo, bool)) buildInfo {
	const unknown = "unknown"
	b := buildInfo{Module: unknown, Version: unknown, Revision: unknown, Time: unknown, Modified: unknown, Go: unknown}
	info, ok := read()
	if !ok || info == nil {
		return b
	}
	if info.Main.Path != "" {
		b.Module = info.Main.Path
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	if info.GoVersion != "" {
		b.Go = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value
		}
	}
	return b
}

func runVersion(e *env, args []string) int {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			fmt.Fprintln(e.stdout, "usage: doku-verify version   (also doku-verify --version)\n\nPrints the module version, the VCS revision and time the binary was built\nfrom, whether the tree had uncommitted changes, and the Go version; \"unknown\"\nfor what the binary does not carry. Exit 0.")
			return exitOK
		}
		fmt.Fprintf(e.stderr, "doku-verify version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	b := readBuildInfo(debug.ReadBuildInfo)
	fmt.Fprintf(e.stdout, "doku-verify %s\nmodule:   %s\nrevision: %s\ntime:     %s\nmodified: %s\ngo:       %s\n",
		b.Version, b.Module, b.Revision, b.Time, b.Modified, b.Go)
	return exitOK
}
