package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSignIn signs in with a wrong password (refused), then as the demo
// engineering manager, sees the dashboard, and signs out.
func TestSignIn(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	do(t, ctx, "wrong password",
		chromedp.Navigate(srv.URL+"/users/sign_in"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "emma"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wrong-password"),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.error`)),
	)
	if msg := get(t, ctx, "read refusal", chromedp.Text(chromedp.CSS(`.flash.error`))); !strings.Contains(msg, "Invalid login or password") {
		t.Fatalf("refusal = %q", msg)
	}
	signIn(t, ctx, srv.URL, "emma")
	if h := get(t, ctx, "dashboard heading", chromedp.Text(chromedp.CSS(`h1`))); h != "My work" {
		t.Fatalf("after sign-in the page says %q", h)
	}
	screenshot(t, ctx, "dashboard")
	do(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(`details.menu summary`)),
		chromedp.Click(chromedp.CSS(`form[action="/users/sign_out"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
	)
}
