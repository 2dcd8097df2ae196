package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/netguard"
	"github.com/cairnhq/cairn/internal/notify"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// clock is the test's time, shared by the store and the worker.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time          { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// hookWorld is a group with a project and one webhook, over a real store.
type hookWorld struct {
	s       *store.Store
	ctx     context.Context // acting as the group's owner
	clk     *clock
	group   *cairn.Group
	project *cairn.Project
	hook    *cairn.Webhook
}

const hookToken = "t0ps3cret"

// loopback lets hooks call the tests' receivers.
var loopback = netguard.MustParse("127.0.0.0/8,::1")

func newHookWorld(t *testing.T, s *store.Store, url string) *hookWorld {
	t.Helper()
	w := &hookWorld{s: s, clk: &clock{}}
	w.clk.ms.Store(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC).UnixMilli())
	s.Now = w.clk.now
	s.BaseURL = "https://cairn.example.com"
	// The receivers are httptest servers on loopback, which only an
	// allow-list lets hooks reach.
	s.WebhookNetworks = loopback
	u, err := s.CreateUser(t.Context(), cairn.UserCreate{Username: "olga", Name: "Olga"})
	if err != nil {
		t.Fatal(err)
	}
	w.ctx = cairn.NewContextWithUser(context.Background(), u)
	if w.group, err = s.CreateGroup(w.ctx, cairn.GroupCreate{Path: "team"}); err != nil {
		t.Fatal(err)
	}
	if w.project, err = s.CreateProject(w.ctx, cairn.ProjectCreate{GroupID: w.group.ID, Path: "app"}); err != nil {
		t.Fatal(err)
	}
	if w.hook, err = s.CreateWebhook(w.ctx, cairn.WebhookCreate{GroupID: w.group.ID, URL: url, Token: hookToken,
		IssuesEvents: true, NoteEvents: true}); err != nil {
		t.Fatal(err)
	}
	return w
}

// issues opens n issues titled "1", "2", …, each enqueueing an Issue Hook.
func (w *hookWorld) issues(t *testing.T, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if _, err := w.s.CreateIssue(w.ctx, cairn.IssueCreate{ProjectID: w.project.ID, Title: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func (w *hookWorld) worker(maxAttempts int) *notify.Worker {
	return &notify.Worker{
		Store:       w.s,
		Senders:     map[string]notify.Sender{store.DeliveryWebhook: notify.NewWebhookSenderAllowing(w.s, "Cairn-test", loopback)},
		Owner:       "test",
		Concurrency: 1, // one at a time, so that the receiver sees the outbox's order
		MaxAttempts: maxAttempts,
		// attempt n waits n minutes, without jitter
		Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute },
		Now:     w.clk.now,
	}
}

func runOnce(t *testing.T, w *notify.Worker, want int) {
	t.Helper()
	n, err := w.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("run once: %v", err)
	}
	if n != want {
		t.Fatalf("run once handled %d deliveries, want %d", n, want)
	}
}

func allDeliveries(t *testing.T, s *store.Store) []*store.Delivery {
	t.Helper()
	list, _, err := s.Deliveries(t.Context(), store.DeliveryFilter{Page: cairn.Page{PerPage: 100}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(list)
	return list
}

// flakyReceiver answers 500 to the first two attempts at each delivery and
// 200 to the third, checking every request's headers and signature.
type flakyReceiver struct {
	t        *testing.T
	mu       sync.Mutex
	attempts map[string]int    // by X-Cairn-Delivery
	uuids    map[string]string // the X-Gitlab-Event-UUID of each delivery
	accepted []string          // issue titles, in order of acceptance
}

func (rc *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
		return
	}
	mac := hmac.New(sha256.New, []byte(hookToken))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := r.Header.Get("X-Cairn-Signature-256"); !hmac.Equal([]byte(got), []byte(want)) {
		rc.t.Errorf("signature %q, want %q", got, want)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Gitlab-Token") != hookToken ||
		r.Header.Get("X-Gitlab-Event") != "Issue Hook" || r.Header.Get("User-Agent") != "Cairn-test" {
		rc.t.Errorf("request %s with headers %v", r.Method, r.Header)
	}
	var p struct {
		ObjectKind string `json:"object_kind"`
		Attrs      struct {
			Title string `json:"title"`
		} `json:"object_attributes"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ObjectKind != "issue" {
		rc.t.Errorf("payload %s: %v", body, err)
	}
	id := r.Header.Get("X-Cairn-Delivery")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if u, ok := rc.uuids[id]; ok && u != r.Header.Get("X-Gitlab-Event-UUID") {
		rc.t.Errorf("delivery %s changed its event UUID from %s to %s", id, u, r.Header.Get("X-Gitlab-Event-UUID"))
	}
	rc.uuids[id] = r.Header.Get("X-Gitlab-Event-UUID")
	rc.attempts[id]++
	if rc.attempts[id] <= 2 {
		http.Error(w, "not yet", http.StatusInternalServerError)
		return
	}
	rc.accepted = append(rc.accepted, p.Attrs.Title)
	_, _ = io.WriteString(w, "thanks")
}

// TestWorkerRetriesUntilDelivered: a receiver that fails the first two
// attempts at each event gets every event once, in order, after the
// back-off, with a valid signature.
func TestWorkerRetriesUntilDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rc := &flakyReceiver{t: t, attempts: map[string]int{}, uuids: map[string]string{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w := newHookWorld(t, s, srv.URL+"/hook")
		w.issues(t, 3)
		wk := w.worker(8)

		runOnce(t, wk, 3) // first attempts: 500
		runOnce(t, wk, 0) // nothing due before the back-off
		for _, d := range allDeliveries(t, s) {
			if d.State != store.DeliveryPending || d.Attempts != 1 || d.ResponseStatus != 500 || d.ResponseBody != "not yet\n" ||
				!d.NextAttemptAt.Equal(w.clk.now().Add(time.Minute)) {
				t.Fatalf("after a 500: %+v", d)
			}
		}
		w.clk.advance(time.Minute)
		runOnce(t, wk, 3) // second attempts: 500, back off two minutes
		w.clk.advance(time.Minute)
		runOnce(t, wk, 0)
		w.clk.advance(time.Minute)
		runOnce(t, wk, 3) // third attempts: accepted
		w.clk.advance(time.Hour)
		runOnce(t, wk, 0) // nothing left

		if !slices.Equal(rc.accepted, []string{"1", "2", "3"}) {
			t.Errorf("accepted %v, want each event once in order", rc.accepted)
		}
		for _, d := range allDeliveries(t, s) {
			if d.State != store.DeliveryDelivered || d.Attempts != 3 || d.ResponseStatus != 200 || d.ResponseBody != "thanks" ||
				d.LastError != "" || d.FinishedAt == nil {
				t.Errorf("delivered: %+v", d)
			}
		}
	})
}

// TestWorkerReceiverDown: a receiver that does not answer leaves the
// deliveries pending, with the error logged, until the last attempt fails
// them for good.
func TestWorkerReceiverDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		w := newHookWorld(t, s, url)
		w.issues(t, 2)
		wk := w.worker(2)

		runOnce(t, wk, 2)
		for _, d := range allDeliveries(t, s) {
			if d.State != store.DeliveryPending || d.Attempts != 1 || d.ResponseStatus != 0 || d.LastError == "" {
				t.Fatalf("after the receiver was down: %+v", d)
			}
		}
		w.clk.advance(time.Minute)
		runOnce(t, wk, 2)
		for _, d := range allDeliveries(t, s) {
			if d.State != store.DeliveryFailed || d.Attempts != 2 || d.FinishedAt == nil {
				t.Fatalf("after the last attempt: %+v", d)
			}
		}
		w.clk.advance(24 * time.Hour)
		runOnce(t, wk, 0)

		// A resend from the log makes it due again.
		d := allDeliveries(t, s)[0]
		if err := s.RetryDelivery(t.Context(), d.ID); err != nil {
			t.Fatal(err)
		}
		runOnce(t, wk, 1)
	})
}

// senderFunc adapts a function to notify.Sender.
type senderFunc func(ctx context.Context, d *store.Delivery) (notify.Outcome, error)

func (f senderFunc) Send(ctx context.Context, d *store.Delivery) (notify.Outcome, error) {
	return f(ctx, d)
}

// TestWebhookDeletedHook: a delivery whose hook is gone fails for good and
// calls nobody.
func TestWebhookDeletedHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
		defer srv.Close()
		w := newHookWorld(t, s, srv.URL)
		w.issues(t, 1)
		d := allDeliveries(t, s)[0]

		sender := notify.NewWebhookSenderAllowing(s, "", loopback)
		if err := s.DeleteWebhook(w.ctx, w.group.ID, w.hook.ID); err != nil {
			t.Fatal(err)
		}
		out, err := sender.Send(t.Context(), d)
		if err == nil || !out.Permanent {
			t.Errorf("send to a deleted hook = %+v, %v; want a permanent failure", out, err)
		}
		if calls.Load() != 0 {
			t.Errorf("receiver called %d times", calls.Load())
		}

		// In the worker: the hook is deleted between the claim and the
		// send; the delivery goes with it and nothing is sent.
		if w.hook, err = s.CreateWebhook(w.ctx, cairn.WebhookCreate{GroupID: w.group.ID, URL: srv.URL, IssuesEvents: true}); err != nil {
			t.Fatal(err)
		}
		w.issues(t, 1)
		wk := w.worker(8)
		wk.Senders[store.DeliveryWebhook] = senderFunc(func(ctx context.Context, d *store.Delivery) (notify.Outcome, error) {
			if err := s.DeleteWebhook(w.ctx, w.group.ID, d.HookID); err != nil {
				t.Error(err)
			}
			out, err := sender.Send(ctx, d)
			if !out.Permanent {
				t.Errorf("send after delete = %+v, %v", out, err)
			}
			return out, err
		})
		runOnce(t, wk, 1)
		if calls.Load() != 0 || len(allDeliveries(t, s)) != 0 {
			t.Errorf("receiver called %d times; deliveries left %v", calls.Load(), allDeliveries(t, s))
		}
	})
}

// TestWebhookSender covers the HTTP details: TLS verification per hook, no
// redirects, the response kept, no signature without a token.
func TestWebhookSender(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	var lastHeader atomic.Pointer[http.Header]
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		lastHeader.Store(&h)
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(make([]byte, 10000))
	}))
	defer tlsSrv.Close()
	w := newHookWorld(t, s, tlsSrv.URL)
	w.issues(t, 1)
	d := allDeliveries(t, s)[0]
	sender := notify.NewWebhookSenderAllowing(s, "", loopback)

	// The test server's certificate is self-signed: refused while the hook
	// verifies certificates.
	if out, err := sender.Send(t.Context(), d); err == nil || out.Status != 0 || out.Permanent {
		t.Errorf("self-signed with verification = %+v, %v", out, err)
	}
	off, empty := false, ""
	if _, err := s.UpdateWebhook(w.ctx, w.group.ID, w.hook.ID, cairn.WebhookUpdate{EnableSSLVerification: &off, Token: &empty}); err != nil {
		t.Fatal(err)
	}
	out, err := sender.Send(t.Context(), d)
	if err != nil || out.Status != http.StatusAccepted || len(out.Body) != 4096 {
		t.Errorf("without verification = status %d, %d bytes, %v", out.Status, len(out.Body), err)
	}
	if h := *lastHeader.Load(); h.Get("X-Cairn-Signature-256") != "" || h.Get("X-Gitlab-Token") != "" ||
		h.Get("X-Cairn-Delivery") != strconv.FormatInt(d.ID, 10) || h.Get("User-Agent") != "Cairn" || len(h.Get("X-Gitlab-Event-UUID")) != 36 {
		t.Errorf("headers without a token: %v", h)
	}

	moved := tlsSrv.URL + "/moved"
	if _, err := s.UpdateWebhook(w.ctx, w.group.ID, w.hook.ID, cairn.WebhookUpdate{URL: &moved}); err != nil {
		t.Fatal(err)
	}
	if out, err := sender.Send(t.Context(), d); err == nil || out.Status != http.StatusFound {
		t.Errorf("redirect = %+v, %v; want it not followed", out, err)
	}
}

// TestWorkerRunWakes: Run sends a delivery as soon as the store enqueues
// it, long before its next poll.
func TestWorkerRunWakes(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Gitlab-Event")
	}))
	defer srv.Close()
	w := newHookWorld(t, s, srv.URL)
	wk := w.worker(8)
	wk.Poll = time.Hour
	s.OnDelivery = wk.Wake
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { wk.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	w.issues(t, 1)
	select {
	case ev := <-got:
		if ev != "Issue Hook" {
			t.Errorf("event %q", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the woken worker sent nothing")
	}
}
