package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/devidp"
	"github.com/motcua/motcua/internal/identity"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/metrics"
	"github.com/motcua/motcua/internal/notify"
	"github.com/motcua/motcua/internal/ratelimit"
	"github.com/motcua/motcua/internal/web"
)

func serve(ctx context.Context, args []string, env Env) error {
	c, _, err := parse("serve", args, env, nil)
	if err != nil {
		return err
	}
	log := newLogger(c, env.Stderr)
	if p, set := tuneGC(env.Getenv); set {
		log.Debug("garbage collector", "gogc", p)
	}
	k, err := open(ctx, c, env, log)
	if err != nil {
		return err
	}
	defer k.close()

	if c.Demo {
		loaded, err := demo.Load(ctx, k.agencies, k.identity)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if loaded {
			log.Info("demo data loaded")
		}
		if loaded, err := demo.LoadCatalog(ctx, k.catalog); err != nil {
			return fmt.Errorf("load demo catalogue: %w", err)
		} else if loaded {
			log.Info("demo catalogue loaded")
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("--addr (MOTCUA_ADDR) %s: %w", c.Addr, err)
	}
	defer ln.Close()
	if c.BaseURL == "" {
		// Without a public URL the server is its own: the address it really
		// listens on, which matters when --addr asks for a free port.
		c.BaseURL = "http://" + ln.Addr().String()
	}
	h, err := k.handler(ctx, env)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go k.housekeeping(bg)
	deliverers := []notify.Deliverer{notify.Sink{}}
	if c.SMTPAddr != "" {
		mode, err := notify.ParseTLSMode(c.SMTPTLS)
		if err != nil {
			return fmt.Errorf("--smtp-tls (MOTCUA_SMTP_TLS): %w", err)
		}
		smtp := &notify.SMTP{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUsername, Password: c.SMTPPassword, TLS: mode}
		if err := smtp.Check(); err != nil {
			return fmt.Errorf("--smtp-addr (MOTCUA_SMTP_ADDR): %w", err)
		}
		deliverers = append(deliverers, smtp)
	}
	worker := &notify.Worker{DB: k.db, Deliverers: notify.Deliverers(deliverers...), Now: k.now, Log: log}
	k.notifier.wake = worker.Wake
	go k.watchDeadlines(bg)
	go k.backfillOverdueRuns(bg)
	go worker.Run(bg, 15*time.Second)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "url", c.BaseURL, "db", k.db.String(), "demo", c.Demo)
	if c.DevIdP {
		log.Warn("the DEVELOPMENT identity provider is enabled at /dev-idp: never use this in production")
	}
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("in-flight requests did not finish in time", "err", err)
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	stopBG()
	log.Info("stopped")
	return nil
}

// watchDeadlines flags dossiers due soon and overdue every minute. Every
// server copy runs the loop; a lease in the database lets one work at a time.
func (k *core) watchDeadlines(ctx context.Context) {
	holder := fmt.Sprintf("%s-%d", hostname(), os.Getpid())
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if soon, over, err := k.dossiers.Watch(ctx, holder, k.notifier); err != nil && ctx.Err() == nil {
			k.log.Warn("deadline watch", "err", err)
		} else if soon+over > 0 {
			k.log.Info("deadline watch", "due_soon", soon, "overdue", over)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// backfillOverdueRuns gives the statistics of a database that predates
// migration 0009 the runs of overdue days of its dossiers, in the
// background: until then the lists replay those dossiers' events. On
// several server copies each may read the same rows; the writes are
// guarded and the same. Once done, a start costs one settings read.
func (k *core) backfillOverdueRuns(ctx context.Context) {
	start, last := time.Now(), time.Now()
	n, err := k.reports.BackfillOverdueRuns(ctx, func(filled int) {
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			k.log.Info("statistics: back-filling overdue runs", "dossiers", filled)
		}
	})
	switch {
	case err != nil && ctx.Err() == nil:
		k.log.Warn("statistics: back-fill of overdue runs stopped; the lists replay the rest", "err", err, "dossiers", n)
	case n > 0:
		k.log.Info("statistics: overdue runs back-filled", "dossiers", n, "took", time.Since(start).Round(time.Second))
	}
}

// serverGCPercent is the collector's target for the server when GOGC is
// not set (decision 0010): its live heap is small (templates, caches, tens
// of MB) and its garbage is per request, so the default 100 collects every
// few MB under load; 400 collects a quarter as often. The price is memory:
// the load benchmark's process peaked at 390 MB instead of 183 MB. GOGC,
// and GOMEMLIMIT, still decide when set.
const serverGCPercent = 400

// tuneGC sets the collector's target unless GOGC says otherwise; it
// returns the target and whether it set it.
func tuneGC(getenv func(string) string) (int, bool) {
	if getenv("GOGC") != "" {
		return 0, false
	}
	debug.SetGCPercent(serverGCPercent)
	return serverGCPercent, true
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "motcua"
	}
	return h
}

// housekeeping removes expired sessions and sign-in flows now and then.
// Any server copy may do it; the deletes are idempotent.
func (k *core) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := k.identity.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("purge expired sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// handler assembles the HTTP surface: the HTML edge, the JSON API, the
// development identity provider if enabled, health, readiness and metrics,
// behind the middleware every request goes through.
func (k *core) handler(ctx context.Context, env Env) (http.Handler, error) {
	c := k.cfg
	cat, err := locale.Load(k.calendar.Location())
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	m.DBStats("write", func() (s sql.DBStats) { s, _ = k.db.Stats(); return })
	if k.db.Dialect().String() == "sqlite" {
		m.DBStats("read", func() (s sql.DBStats) { _, s = k.db.Stats(); return })
	}
	mux := http.NewServeMux()

	var citizenLogin *identity.CitizenLogin
	switch {
	case c.OIDCIssuer != "":
		citizenLogin = k.identity.NewCitizenLogin(identity.OIDCConfig{Issuer: c.OIDCIssuer, ClientID: c.OIDCClientID,
			ClientSecret: c.OIDCSecret, RedirectURL: c.BaseURL + "/auth/callback", NationalIDClaim: c.OIDCIDClaim})
	case c.DevIdP:
		idp, secret, err := k.devIdP(ctx, c.BaseURL+"/dev-idp")
		if err != nil {
			return nil, err
		}
		mux.Handle("/dev-idp/", idp)
		// The server talks to its own development provider in process, so
		// that sign-in works whatever the public URL and network look like.
		citizenLogin = k.identity.NewCitizenLogin(identity.OIDCConfig{Issuer: c.BaseURL + "/dev-idp", ClientID: devClientID,
			ClientSecret: secret, RedirectURL: c.BaseURL + "/auth/callback",
			HTTPClient: &http.Client{Transport: inProcess{idp}, Timeout: 10 * time.Second}})
	}

	var demoAccounts []web.DemoAccount
	if c.Demo {
		for _, a := range demo.Accounts {
			name := a.Agency
			if ag, err := k.agencies.ByCode(ctx, a.Agency); err == nil {
				name = ag.NameVI
			}
			demoAccounts = append(demoAccounts, web.DemoAccount{Username: a.Username, Password: demo.Password, Role: string(a.Roles[0]), Agency: name})
		}
	}
	// One budget per client for the lookup, whether through pages or the API.
	lookup := ratelimit.New(30, time.Minute, 10)
	ws, err := web.New(web.Config{Agencies: k.agencies, Units: k.units, Calendar: k.calendar, Catalog: k.catalog, Identity: k.identity,
		Dossiers: k.dossiers, Reports: k.reports, Public: k.reports, Blobs: k.blobs, Upload: blob.Policy{MaxFile: int64(c.MaxFileMB) << 20, MaxDossier: int64(c.MaxDossierMB) << 20},
		LookupLimit:  lookup,
		CitizenLogin: citizenLogin, Audit: k.audit, DB: k.db, Locale: cat, Logger: k.log, Now: k.now,
		SecureCookies: c.secureCookies(), Demo: c.Demo, DemoAccounts: demoAccounts, DevIdP: c.DevIdP, VerifyTemplates: env.VerifyTemplates})
	if err != nil {
		return nil, err
	}
	ws.Register(mux)
	as, err := api.New(api.Config{Agencies: k.agencies, Units: k.units, Catalog: k.catalog, Dossiers: k.dossiers, Reports: k.reports, Blobs: k.blobs, Upload: blob.Policy{MaxFile: int64(c.MaxFileMB) << 20, MaxDossier: int64(c.MaxDossierMB) << 20}, LookupLimit: lookup, Locale: cat, Logger: k.log, Now: k.now})
	if err != nil {
		return nil, err
	}
	as.Register(mux)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := k.db.Ping(rctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unreachable")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", m.Handler())

	var h http.Handler = web.RecordRoute(web.WithNotFound(mux, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			as.NotFound(w, r)
			return
		}
		ws.NotFound(w, r)
	}))
	h = web.Authenticate(k.identity, c.secureCookies(), h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = web.SecurityHeaders(h)
	h = web.RequestContext(c.TrustProxy, h)
	h = web.Observe(k.log, m, h)
	return h, nil
}

const devClientID = "motcua-portal"

// devIdP builds the development provider with keys kept in the database.
func (k *core) devIdP(ctx context.Context, issuer string) (http.Handler, string, error) {
	key, err := k.identity.SigningKey(ctx, "devidp.signing-key")
	if err != nil {
		return nil, "", err
	}
	codeSecret, err := k.identity.Secret(ctx, "devidp.code-secret", 32)
	if err != nil {
		return nil, "", err
	}
	clientSecret, err := k.identity.Secret(ctx, "devidp.client-secret", 24)
	if err != nil {
		return nil, "", err
	}
	secret := fmt.Sprintf("%x", clientSecret)
	p, err := devidp.New(devidp.Config{Issuer: issuer, Key: key, CodeSecret: codeSecret, Now: k.now,
		Clients: []devidp.Client{{ID: devClientID, Secret: secret, RedirectURIs: []string{k.cfg.BaseURL + "/auth/callback"}}}})
	if err != nil {
		return nil, "", fmt.Errorf("development identity provider: %w", err)
	}
	return p.Handler(), secret, nil
}

// inProcess is an http.RoundTripper that answers from a handler in this
// process, for the server's own calls to its development provider.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}
