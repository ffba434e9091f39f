package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
	"github.com/motcua/motcua/internal/metrics"
)

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe logs every request, counts it in the metrics by route pattern,
// and turns a panic into a 500 instead of a dropped connection.
func Observe(log *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		route := new(string)
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, route))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "panic", p, "path", r.URL.Path, "stack", string(debug.Stack()))
				if sw.code == 0 {
					http.Error(sw, "500 Internal Server Error / Lỗi máy chủ", http.StatusInternalServerError)
				}
			}
			d := time.Since(start)
			m.Observe(*route, r.Method, sw.code, d)
			level := slog.LevelInfo
			if sw.code >= 500 {
				level = slog.LevelError
			}
			log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", *route,
				"status", sw.code, "duration_ms", float64(d.Microseconds())/1000, "request_id", audit.MetaFrom(r.Context()).RequestID)
		}()
		next.ServeHTTP(sw, r)
	})
}

type routeKey struct{}

// RecordRoute reports the ServeMux pattern that handled the request to
// Observe. It wraps the mux directly: the mux sets Pattern on the request
// it is given, and every middleware in between works on a copy.
func RecordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}

// RequestContext gives every request an id (kept from X-Request-Id when a
// trusted proxy set one) and the client address, for logs and the audit log.
func RequestContext(trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if trustProxy {
			id = r.Header.Get("X-Request-Id")
		}
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		ctx := audit.WithMeta(r.Context(), audit.Meta{RequestID: id, IP: clientIP(r, trustProxy)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		// The last address is the one our own proxy saw; earlier ones are
		// whatever the client claimed.
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SecurityHeaders sets the headers every response carries. The content
// security policy allows only this origin's own styles and scripts: pages
// need no inline script, so none is allowed.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// sessionCookie is the name of the session cookie. With Secure cookies the
// __Host- prefix makes browsers refuse it from sub-domains or plain HTTP.
func sessionCookie(secure bool) string {
	if secure {
		return "__Host-motcua_session"
	}
	return "motcua_session"
}

// Authenticate puts the request's principal in its context: from an API
// bearer token, or else from the session cookie. A bad or expired
// credential leaves the request anonymous (and drops a stale cookie).
func Authenticate(ids *identity.Service, secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := authz.AnonymousPrincipal
		if h := r.Header.Get("Authorization"); h != "" {
			if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
				if tp, err := ids.TokenPrincipal(ctx, strings.TrimSpace(tok)); err == nil {
					p = tp
				}
			}
		} else if c, err := r.Cookie(sessionCookie(secure)); err == nil && c.Value != "" {
			sp, err := ids.SessionPrincipal(ctx, c.Value)
			switch {
			case err == nil:
				p = sp
			case errs.KindOf(err) == errs.Unauthenticated:
				clearCookie(w, sessionCookie(secure), secure)
			default:
				// The store is failing: the request goes on anonymous (so it
				// can reach nothing private) but the cookie is kept, or a
				// database blip would sign everybody out.
				slog.Default().Warn("session lookup failed", "err", err)
			}
		}
		next.ServeHTTP(w, r.WithContext(authz.WithPrincipal(ctx, p)))
	})
}

func setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter, name string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

func clientIPFromCtx(r *http.Request) string {
	if ip := audit.MetaFrom(r.Context()).IP; ip != "" {
		return ip
	}
	return clientIP(r, false)
}
