package snippets

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every ```go block in README.md is code the tests compile and run: it
// stands verbatim in a region of a .go file marked "// README:name" …
// "// README:end" (less the region's common indentation), and every marked
// region appears in the README. Edit the Go file, then paste it over the
// README block; this test says which one drifted.
func TestReadmeSnippetsAreCompiledCode(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?ms)^```go\n(.*?)^```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "README.md has Go snippets")

	regions := map[string]string{} // code → where
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for name, code := range markedRegions(string(b)) {
			regions[code] = path + ":" + name
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, regions)

	inReadme := map[string]bool{}
	for i, b := range blocks {
		code := b[1]
		inReadme[code] = true
		_, ok := regions[code]
		assert.True(t, ok, "README Go block %d is not verbatim in any README:-marked region of a .go file:\n%s", i+1, code)
	}
	for code, where := range regions {
		assert.True(t, inReadme[code], "%s is marked for the README but the README does not show it verbatim:\n%s", where, code)
	}
}

// markedRegions returns each "// README:name" … "// README:end" region of a
// Go source, dedented by its common leading tabs.
func markedRegions(src string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "// README:") || l == "// README:end" {
			continue
		}
		name := strings.TrimPrefix(l, "// README:")
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "// README:end"; i++ {
			body = append(body, lines[i])
		}
		out[name] = dedent(body)
	}
	return out
}

func dedent(lines []string) string {
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestMarkedRegions(t *testing.T) {
	got := markedRegions("func f() {\n\t// README:a\n\tx := 1\n\tif x > 0 {\n\t\tx++\n\t}\n\t// README:end\n}\n")
	assert.Equal(t, map[string]string{"a": "x := 1\nif x > 0 {\n\tx++\n}\n"}, got)
}
