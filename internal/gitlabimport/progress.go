package gitlabimport

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// ProgressPrinter shows an import's progress on w: on a terminal, one line
// with a bar, redrawn in place; elsewhere (a log file, CI), a line every
// few seconds.
type ProgressPrinter struct {
	w     io.Writer
	tty   bool
	every time.Duration
	now   func() time.Time

	mu    sync.Mutex
	last  time.Time
	phase string
	drawn bool // a bar line is on screen, not ended by a newline
}

// NewProgressPrinter returns a printer to w; tty says w is a terminal.
func NewProgressPrinter(w io.Writer, tty bool) *ProgressPrinter {
	every := 5 * time.Second
	if tty {
		every = 100 * time.Millisecond
	}
	return &ProgressPrinter{w: w, tty: tty, every: every, now: time.Now}
}

// Update shows p, at most every so often (and at once when the phase
// changes).
func (pp *ProgressPrinter) Update(p Progress) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	now := pp.now()
	if p.Phase == pp.phase && now.Sub(pp.last) < pp.every {
		return
	}
	pp.phase, pp.last = p.Phase, now
	if pp.tty {
		// \r and a clear to the end of the line redraw the bar in place.
		fmt.Fprintf(pp.w, "\r%s\x1b[K", barLine(p))
		pp.drawn = true
		return
	}
	fmt.Fprintln(pp.w, textLine(p))
}

// Done ends the bar's line, so that what is printed next starts afresh.
func (pp *ProgressPrinter) Done() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.drawn {
		fmt.Fprint(pp.w, "\r\x1b[K")
		pp.drawn = false
	}
}

// LogWriter returns a writer to the printer's output for log lines
// printed while the bar is shown: it clears the bar first, and the next
// update draws it again below them.
func (pp *ProgressPrinter) LogWriter() io.Writer { return logWriter{pp} }

type logWriter struct{ pp *ProgressPrinter }

func (l logWriter) Write(b []byte) (int, error) {
	pp := l.pp
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.drawn {
		fmt.Fprint(pp.w, "\r\x1b[K")
		pp.drawn = false
		pp.last = time.Time{}
	}
	return pp.w.Write(b)
}

// fraction is how far the fetch is, 0 to 1: the issue lists and the
// issues' details are most of the work.
func fraction(p Progress) float64 {
	switch p.Phase {
	case "group":
		return 0
	case "issues", "details":
		if p.Issues == 0 {
			return 0
		}
		return 0.95 * float64(p.Details) / float64(p.Issues)
	case "planning":
		return 0.95
	case "users":
		if p.Users == 0 {
			return 0.97
		}
		return 0.95 + 0.04*float64(p.UsersDone)/float64(p.Users)
	}
	return 1
}

func barLine(p Progress) string {
	const width = 24
	f := min(max(fraction(p), 0), 1)
	n := int(f * width)
	return fmt.Sprintf("[%s%s] %3.0f%%  %s", strings.Repeat("#", n), strings.Repeat("-", width-n), f*100, textLine(p))
}

func textLine(p Progress) string {
	var what string
	switch p.Phase {
	case "group":
		what = "reading the group"
	case "issues":
		what = fmt.Sprintf("listing issues: %d", p.Issues)
	case "details":
		what = fmt.Sprintf("issues %d/%d", p.Details, p.Issues)
	case "planning":
		what = "planning records"
	case "users":
		what = fmt.Sprintf("users %d/%d", p.UsersDone, p.Users)
	case "loading":
		what = "loading into the database"
	default:
		what = p.Phase
	}
	return fmt.Sprintf("%s · %d requests · %s", what, p.Requests, p.Elapsed.Round(time.Second))
}
