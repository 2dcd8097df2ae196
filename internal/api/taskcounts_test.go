package api

import (
	"regexp"
	"testing"
)

// taskRE is the definition taskCounts implements by hand: a Markdown task
// list item as GitLab counts it.
var taskRE = regexp.MustCompile(`(?m)^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[([ xX~])\][ \t]`)

func taskCountsByRE(desc string) (done, total int) {
	for _, m := range taskRE.FindAllStringSubmatch(desc+"\n", -1) {
		switch m[1] {
		case " ":
			total++
		case "x", "X":
			total++
			done++
		}
	}
	return done, total
}

var taskCountCases = []struct {
	desc        string
	done, total int
}{
	{"", 0, 0},
	{"no tasks [x] here", 0, 0},
	{"- [ ] one\n- [x] two\n* [X] three\n+ [~] skipped", 2, 3},
	{"1. [x] numbered\n12) [ ] paren\n3: [ ] colon", 1, 2},
	{"  \t- [ ] indented\n-[ ] no space\n- [ ]no space after\n- [ ]", 0, 1},
	{"- [ ]\ttab after\n-\t[x]\ttabs\n- [y] other", 1, 2},
	{"- [x] windows\r\n- [ ] line\r\n", 1, 2},
	{"text\n\n- [ ] after blank\n  - [x] nested", 1, 2},
	{"x. [ ] letter\n1 [ ] no dot\n- - [ ] double bullet", 0, 0},
}

func TestTaskCounts(t *testing.T) {
	for _, tc := range taskCountCases {
		done, total := taskCounts(tc.desc)
		if done != tc.done || total != tc.total {
			t.Errorf("taskCounts(%q) = %d, %d; want %d, %d", tc.desc, done, total, tc.done, tc.total)
		}
		if rd, rt := taskCountsByRE(tc.desc); rd != done || rt != total {
			t.Errorf("taskCounts(%q) = %d, %d; the expression says %d, %d", tc.desc, done, total, rd, rt)
		}
	}
}

func FuzzTaskCounts(f *testing.F) {
	for _, tc := range taskCountCases {
		f.Add(tc.desc)
	}
	f.Fuzz(func(t *testing.T, desc string) {
		done, total := taskCounts(desc)
		if rd, rt := taskCountsByRE(desc); rd != done || rt != total {
			t.Errorf("taskCounts(%q) = %d, %d; the expression says %d, %d", desc, done, total, rd, rt)
		}
	})
}
