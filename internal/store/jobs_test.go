package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestClaimJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }

		// Eight claimers race for one key: one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := s.ClaimJob(ctx, "k/1", string(rune('a'+i)), time.Minute)
				if err != nil {
					t.Errorf("claim: %v", err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
		run, err := s.JobRunByKey(ctx, "k/1")
		if err != nil || run == nil || run.State != store.JobRunning || run.Attempts != 1 {
			t.Fatalf("run = %+v, %v", run, err)
		}
		owner := run.Owner

		// Within the lease nobody else gets it; after it, the next claim does.
		if ok, _, _ := s.ClaimJob(ctx, "k/1", "z", time.Minute); ok {
			t.Fatal("claimed a key under lease")
		}
		now = now.Add(2 * time.Minute)
		ok, attempts, err := s.ClaimJob(ctx, "k/1", "z", time.Minute)
		if err != nil || !ok || attempts != 2 {
			t.Fatalf("claim after lease = %v, %d, %v", ok, attempts, err)
		}
		// The first owner's late finish changes nothing.
		if err := s.FinishJob(ctx, "k/1", owner, nil, time.Time{}, 3); err != nil {
			t.Fatal(err)
		}
		if run, _ := s.JobRunByKey(ctx, "k/1"); run.State != store.JobRunning || run.Owner != "z" {
			t.Fatalf("stale finish changed the run: %+v", run)
		}
		// A failure is retried at retryAt, then fails for good.
		if err := s.FinishJob(ctx, "k/1", "z", errors.New("boom"), now.Add(time.Minute), 3); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := s.ClaimJob(ctx, "k/1", "y", time.Minute); ok {
			t.Fatal("claimed before retryAt")
		}
		now = now.Add(2 * time.Minute)
		if ok, attempts, _ := s.ClaimJob(ctx, "k/1", "y", time.Minute); !ok || attempts != 3 {
			t.Fatalf("retry claim = %v, %d", ok, attempts)
		}
		if err := s.FinishJob(ctx, "k/1", "y", errors.New("boom again"), now.Add(time.Minute), 3); err != nil {
			t.Fatal(err)
		}
		run, _ = s.JobRunByKey(ctx, "k/1")
		if run.State != store.JobFailed || run.LastError != "boom again" || run.FinishedAt == nil {
			t.Fatalf("after max attempts: %+v", run)
		}
		now = now.Add(time.Hour)
		if ok, _, _ := s.ClaimJob(ctx, "k/1", "y", time.Minute); ok {
			t.Fatal("claimed a failed key")
		}

		// Done is done.
		if ok, _, _ := s.ClaimJob(ctx, "k/2", "a", time.Minute); !ok {
			t.Fatal("fresh key not claimed")
		}
		if err := s.FinishJob(ctx, "k/2", "a", nil, time.Time{}, 3); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if ok, _, _ := s.ClaimJob(ctx, "k/2", "b", time.Minute); ok {
			t.Fatal("claimed a done key")
		}
		runs, err := s.JobRuns(ctx, "k/", 10)
		if err != nil || len(runs) != 2 {
			t.Fatalf("runs = %d, %v", len(runs), err)
		}
	})
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		for range 2 { // the second is a duplicate
			if err := s.EnqueueEmail(ctx, "status-request/1/2026-W48/7", "a@example.com", "Status update", "Please"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.EnqueueEmail(ctx, "", "b@example.com", "Hi", "There"); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimDeliveries(ctx, "w1", 10, time.Minute)
		if err != nil || len(got) != 2 {
			t.Fatalf("claimed %d, %v", len(got), err)
		}
		if got[0].Recipient != "a@example.com" || got[0].Attempts != 1 || string(got[0].Payload) != "Please" {
			t.Fatalf("first = %+v", got[0])
		}
		// Claimed rows are not handed out twice.
		if again, _ := s.ClaimDeliveries(ctx, "w2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed twice: %d", len(again))
		}
		if err := s.FinishDelivery(ctx, got[0].ID, "w1", store.DeliveryResult{}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishDelivery(ctx, got[1].ID, "w1", store.DeliveryResult{Err: errors.New("421 busy"), RetryAt: now.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.ClaimDeliveries(ctx, "w2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed before retry time: %d", len(again))
		}
		now = now.Add(2 * time.Minute)
		again, err := s.ClaimDeliveries(ctx, "w2", 10, time.Minute)
		if err != nil || len(again) != 1 || again[0].Attempts != 2 || again[0].LastError != "421 busy" {
			t.Fatalf("retry claim = %+v, %v", again, err)
		}
		if err := s.FinishDelivery(ctx, again[0].ID, "w2", store.DeliveryResult{Err: errors.New("550 no such user")}); err != nil {
			t.Fatal(err)
		}
		log, total, err := s.Deliveries(ctx, store.DeliveryFilter{Kind: store.DeliveryEmail})
		if err != nil || total.Count != 2 || log[0].State != store.DeliveryFailed || log[1].State != store.DeliveryDelivered || log[1].FinishedAt == nil {
			t.Fatalf("log = %+v, %v, %v", log, total, err)
		}
		if err := s.RetryDelivery(ctx, log[0].ID); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.DeliveryByID(ctx, log[0].ID); d.State != store.DeliveryPending {
			t.Fatalf("after retry: %+v", d)
		}
	})
}
