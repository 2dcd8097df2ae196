// Package e2e drives Cairn's web pages in a real headless Chromium against
// a real `cairn serve --demo` process: the binary is built from this tree,
// started on a free port with a fresh SQLite database, and signed into as
// the demo users. Chromium is found on PATH (Debian's `chromium`) or in
// CAIRN_CHROMIUM; without it the tests skip and say how to install it
// (CAIRN_E2E=required, as .ci/run sets, makes them fail instead).
// Screenshots of the main pages go to CAIRN_SCREENSHOTS when that is set
// (the README's images come from `CAIRN_SCREENSHOTS=docs/screenshots`).
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// demoPassword is every demo user's password (cmd/cairn DemoPassword).
const demoPassword = "cairn-demo"

// browserPath returns the Chromium to drive, or "" for none.
func browserPath() string {
	if p := os.Getenv("CAIRN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// server is a running `cairn serve --demo`.
type server struct {
	URL string
	// Token is the demo manager's API token that --demo prints.
	Token string
	cmd   *exec.Cmd
}

var (
	urlLine   = regexp.MustCompile(`Cairn is running at (http://\S+)`)
	tokenLine = regexp.MustCompile(`API token for \S+ \(shown once\): (\S+)`)
)

// startServer builds cairn and starts it with the demo team on a fresh
// database; it stops when the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "cairn")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "../cmd/cairn")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("build cairn: %v", err)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "cairn.db"), "--log-level", "warn")
	cmd.Env = append(os.Environ(), "CAIRN_DB=", "CAIRN_ADDR=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cairn: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	found := make(chan string, 1)
	token := "" // printed before the URL, so read once the URL arrives
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if m := tokenLine.FindStringSubmatch(line); m != nil && token == "" && !sent {
				token = m[1]
			}
			if m := urlLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
			if testing.Verbose() {
				fmt.Fprintln(os.Stderr, "cairn:", line)
			}
		}
	}()
	select {
	case u := <-found:
		return &server{URL: strings.Replace(u, "localhost", "127.0.0.1", 1), Token: token, cmd: cmd}
	case <-time.After(60 * time.Second):
		t.Fatal("cairn did not start within 60s")
	}
	return nil
}

// browser returns a chromedp context on a fresh headless Chromium, with a
// 1280×900 window; it closes when the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := browserPath()
	if path == "" {
		msg := "no Chromium found: install Debian's chromium package (apt-get install chromium) or set CAIRN_CHROMIUM; .ci/run installs it"
		if os.Getenv("CAIRN_E2E") == "required" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(1280, 900),
		chromedp.NoSandbox, // CI runs as root in a container
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Any JavaScript dialog fails the test — an XSS payload that ran would
	// open one — except a confirm() the test announced with acceptConfirm
	// (a data-confirm form), which is accepted.
	expected := &expectedDialogs{}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			accept := ev.Type == page.DialogTypeConfirm && expected.take()
			if !accept {
				t.Errorf("a JavaScript dialog opened: %q", ev.Message)
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
		}
	}()
	return context.WithValue(ctx, expectedDialogsKey{}, expected)
}

// expectedDialogs counts the confirm dialogs a test announced.
type expectedDialogs struct {
	mu       sync.Mutex
	confirms int
}

type expectedDialogsKey struct{}

// take uses up one announced confirm; false when none is left.
func (d *expectedDialogs) take() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.confirms == 0 {
		return false
	}
	d.confirms--
	return true
}

// acceptConfirm announces that the next step opens a confirm() dialog (a
// form with data-confirm): it is accepted instead of failing the test. The
// test fails if it never opens.
func acceptConfirm(t *testing.T, ctx context.Context) {
	t.Helper()
	d, _ := ctx.Value(expectedDialogsKey{}).(*expectedDialogs)
	if d == nil {
		t.Fatal("acceptConfirm needs the context browser returned")
	}
	d.mu.Lock()
	d.confirms++
	d.mu.Unlock()
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.confirms > 0 {
			t.Errorf("an announced confirm dialog did not open")
		}
	})
}

// do runs browser steps with a timeout, failing the test with the step's
// name.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// signIn signs in as user with the demo password.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	do(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/users/sign_in"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.global`)),
	)
}

// screenshot saves the page as name.jpg in CAIRN_SCREENSHOTS, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CAIRN_SCREENSHOTS")
	if dir == "" {
		return
	}
	// The visible window (1280×900) as JPEG at quality 75 keeps the
	// committed images small; CAIRN_SCREENSHOT_PNG=1 takes the whole page
	// as a lossless PNG instead, for looking at a page closely.
	var buf []byte
	ext := ".jpg"
	if os.Getenv("CAIRN_SCREENSHOT_PNG") != "" {
		ext = ".png"
		buf = get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	} else {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		q := int64(75)
		r, err := chromedp.Call(sctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q})
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		buf = r.Data
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+ext), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
