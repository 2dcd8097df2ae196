package monitor

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// InstrumentRoute counts and times the requests next answers for the route
// pattern ("GET /api/v4/projects/{id}"). The pattern, never the request's
// path, labels the series, so that their number stays bounded by the
// routes Cairn has, whatever paths clients send. A handler that panics is
// counted with status 500, which is what the server's recovery answers.
func (m *Metrics) InstrumentRoute(pattern string, next http.Handler) http.Handler {
	rt := &routeMetrics{requests: m.requests, duration: m.requestDuration, pattern: pattern}
	// "GET /path" has a method; "/" and "/path" serve any.
	if method, _, ok := strings.Cut(pattern, " "); ok && !strings.Contains(method, "/") {
		rt.ownMethod = method
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		cw := &codeWriter{ResponseWriter: w}
		completed := false
		defer func() {
			code := cw.code
			if code == 0 {
				// Nothing was written: an empty 200, unless the handler
				// panicked and recovery answers 500.
				code = http.StatusOK
				if !completed {
					code = http.StatusInternalServerError
				}
			}
			rt.observe(r.Method, code, time.Since(start))
		}()
		next.ServeHTTP(cw, r)
		completed = true
	})
}

// routeMetrics are one route's series. Most requests to a route use its
// pattern's own method and succeed: the series of those are looked up
// once, at the first such request, rather than by their labels every
// time. (Not before: a route nobody calls adds no series.)
type routeMetrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	pattern   string
	ownMethod string

	durationOnce, okOnce sync.Once
	ownDuration          prometheus.Observer
	ownOK                prometheus.Counter
}

func (rt *routeMetrics) resolveDuration() {
	rt.ownDuration = rt.duration.WithLabelValues(rt.pattern, rt.ownMethod)
}

func (rt *routeMetrics) resolveOK() {
	rt.ownOK = rt.requests.WithLabelValues(rt.pattern, rt.ownMethod, "200")
}

func (rt *routeMetrics) observe(method string, code int, took time.Duration) {
	method = normalMethod(method)
	if method == rt.ownMethod {
		rt.durationOnce.Do(rt.resolveDuration)
		rt.ownDuration.Observe(took.Seconds())
		if code == http.StatusOK {
			rt.okOnce.Do(rt.resolveOK)
			rt.ownOK.Inc()
			return
		}
	} else {
		rt.duration.WithLabelValues(rt.pattern, method).Observe(took.Seconds())
	}
	rt.requests.WithLabelValues(rt.pattern, method, statusText(code)).Inc()
}

// normalMethod keeps the standard methods and folds any other into
// "OTHER": clients choose the method, and must not be able to make up
// series.
func normalMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusText is strconv.Itoa without an allocation for the common codes.
func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 302:
		return "302"
	case 303:
		return "303"
	case 304:
		return "304"
	case 400:
		return "400"
	case 401:
		return "401"
	case 403:
		return "403"
	case 404:
		return "404"
	case 409:
		return "409"
	case 422:
		return "422"
	case 500:
		return "500"
	}
	return strconv.Itoa(code)
}

// codeWriter records the status code of a response.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	// 1xx responses (103 Early Hints) come before the final one.
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *codeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer
// (flushing, deadlines).
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
