package identity_test

import (
	"crypto/rand"
	"crypto/rsa"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/devidp"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

var an = identity.CitizenClaims{
	Issuer: "https://vneid.test", Subject: "vneid-sub-01", NationalID: "001085012345", FullName: "Nguyễn Văn An",
	BirthDate: "1985-03-12", Gender: "male", Phone: "+84912000101", Email: "an.nguyen@example.com",
	Address: "Số 12, tổ dân phố 5, Phường Ba Đình, Thành phố Hà Nội",
}

var ngoc = identity.CitizenClaims{
	Issuer: "https://vneid.test", Subject: "vneid-sub-02", NationalID: "079192004567", FullName: "Trần Thị Bích Ngọc",
	BirthDate: "1992-07-25", Gender: "female",
}

func TestCitizenSignIn(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		tok, p, err := f.svc.CitizenSignIn(ctx, an, office)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != authz.Citizen || p.ID == 0 || p.NationalID != an.NationalID || p.Name != an.FullName || len(p.Grants) != 0 {
			t.Errorf("citizen principal %+v", p)
		}
		sp, err := f.svc.SessionPrincipal(ctx, tok)
		if err != nil || sp.Kind != authz.Citizen || sp.ID != p.ID || sp.NationalID != an.NationalID {
			t.Errorf("SessionPrincipal = %+v, %v", sp, err)
		}
		if r := f.lastAudit(); r.Action != "auth.citizen_login" || r.ActorKind != "citizen" || r.SubjectNationalID != an.NationalID {
			t.Errorf("audit %+v", r)
		}

		// Signing in again updates the same citizen: the provider is the
		// authority on the personal data.
		f.clk.Advance(time.Hour)
		moved := an
		moved.Phone, moved.Address, moved.Email = "+84987654321", "Phường Hoàn Kiếm, Thành phố Hà Nội", ""
		_, p2, err := f.svc.CitizenSignIn(ctx, moved, office)
		if err != nil {
			t.Fatal(err)
		}
		if p2.ID != p.ID || f.rows("citizens") != 1 {
			t.Errorf("second sign-in made citizen %d (first %d), %d rows", p2.ID, p.ID, f.rows("citizens"))
		}
		c, err := f.svc.CitizenProfile(ctx, p2, an.NationalID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Phone != moved.Phone || c.Address != moved.Address || c.Email != "" || c.BirthDate != "1985-03-12" ||
			c.Issuer != an.Issuer || c.Subject != an.Subject || !c.UpdatedAt.Equal(f.clk.Now()) {
			t.Errorf("profile after the second sign-in %+v", c)
		}
		// Both sessions are alive: signing in elsewhere ends nothing.
		if _, err := f.svc.SessionPrincipal(ctx, tok); err != nil {
			t.Errorf("first session: %v", err)
		}

		citizens, sessions, records := f.rows("citizens"), f.rows("sessions"), f.rows("audit_log")
		for _, c := range []struct {
			name   string
			change func(*identity.CitizenClaims)
		}{
			{"national ID of 9 digits (old CMND)", func(c *identity.CitizenClaims) { c.NationalID = "012345678" }},
			{"national ID with a letter", func(c *identity.CitizenClaims) { c.NationalID = "00108501234X" }},
			{"national ID of 13 digits", func(c *identity.CitizenClaims) { c.NationalID = "0010850123456" }},
			{"no subject", func(c *identity.CitizenClaims) { c.Subject = "" }},
			{"no name", func(c *identity.CitizenClaims) { c.FullName = "" }},
		} {
			cl := ngoc
			c.change(&cl)
			tok, p, err := f.svc.CitizenSignIn(ctx, cl, office)
			if errs.KindOf(err) != errs.Unauthenticated || err == nil || tok != "" || p != nil {
				t.Errorf("%s: %q %+v %v; want Unauthenticated", c.name, tok, p, err)
			}
			if k, _ := errs.MessageKey(err); k != "auth.citizen_claims" {
				t.Errorf("%s: message %q", c.name, k)
			}
		}
		if c, s, r := f.rows("citizens"), f.rows("sessions"), f.rows("audit_log"); c != citizens || s != sessions || r != records {
			t.Errorf("refused sign-ins wrote: citizens %d→%d sessions %d→%d audit %d→%d", citizens, c, sessions, s, records, r)
		}
		f.verifyAudit()
	})
}

func TestCitizenProfile(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		_, anP, err := f.svc.CitizenSignIn(ctx, an, office)
		if err != nil {
			t.Fatal(err)
		}
		_, ngocP, err := f.svc.CitizenSignIn(ctx, ngoc, office)
		if err != nil {
			t.Fatal(err)
		}
		f.account("platform", "H26", role(authz.PlatformAdmin, ""))
		f.account("admin.stp", "H26.12", role(authz.AgencyAdmin, ""))
		platform, admin := f.principal("platform"), f.principal("admin.stp")

		f.clk.Advance(time.Minute)
		c, err := f.svc.CitizenProfile(ctx, anP, an.NationalID)
		if err != nil {
			t.Fatal(err)
		}
		want := identity.Citizen{ID: anP.ID, NationalID: an.NationalID, FullName: an.FullName, BirthDate: an.BirthDate, Gender: an.Gender,
			Phone: an.Phone, Email: an.Email, Address: an.Address, Issuer: an.Issuer, Subject: an.Subject, UpdatedAt: c.UpdatedAt}
		if c != want || c.UpdatedAt.IsZero() {
			t.Errorf("profile %+v, want %+v", c, want)
		}
		readAt := f.clk.Now()

		// Other people's data is not a citizen's to read.
		records := f.rows("audit_log")
		for _, c := range []struct {
			name string
			p    *authz.Principal
			nid  string
			kind errs.Kind
		}{
			{"another citizen", ngocP, an.NationalID, errs.Forbidden},
			{"an unrelated agency admin", admin, an.NationalID, errs.Forbidden},
			{"anonymous", authz.AnonymousPrincipal, an.NationalID, errs.Unauthenticated},
			{"a citizen naming nobody", anP, "", errs.Forbidden},
		} {
			got, err := f.svc.CitizenProfile(ctx, c.p, c.nid)
			if errs.KindOf(err) != c.kind || err == nil || got.NationalID != "" {
				t.Errorf("%s: %+v, %v; want kind %v", c.name, got, err, c.kind)
			}
		}
		if n := f.rows("audit_log"); n != records {
			t.Errorf("refused reads wrote %d audit records", n-records)
		}

		// A platform administrator may read it; that read is audited too.
		f.clk.Advance(time.Minute)
		if got, err := f.svc.CitizenProfile(ctx, platform, an.NationalID); err != nil || got.NationalID != an.NationalID {
			t.Errorf("platform admin read: %+v, %v", got, err)
		}
		_, err = f.svc.CitizenProfile(ctx, platform, "001099999999")
		wantErr(t, err, errs.NotFound, "citizen.not_found")

		// The citizen can see who used their data.
		recs, err := f.log.ForSubject(ctx, f.d, an.NationalID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var reads []string
		for _, r := range recs {
			if r.PersonalRead {
				reads = append(reads, r.ActorKind+":"+r.ActorName+":"+r.Action+"@"+r.At.Format("15:04"))
			}
			if r.SubjectNationalID != an.NationalID {
				t.Errorf("record %d is about %q", r.Seq, r.SubjectNationalID)
			}
		}
		wantReads := []string{
			"account:platform:citizen.read@" + f.clk.Now().Format("15:04"),
			"citizen:Nguyễn Văn An:citizen.read@" + readAt.Format("15:04"),
		}
		if !slices.Equal(reads, wantReads) {
			t.Errorf("personal reads of An's data: %v, want %v", reads, wantReads)
		}
		if !slices.ContainsFunc(recs, func(r audit.Record) bool { return r.Action == "auth.citizen_login" && !r.PersonalRead }) {
			t.Errorf("the sign-in is missing from An's record: %+v", recs)
		}
		// Ngọc's record shows no read by anybody.
		recs, _ = f.log.ForSubject(ctx, f.d, ngoc.NationalID, 10)
		if slices.ContainsFunc(recs, func(r audit.Record) bool { return r.PersonalRead }) {
			t.Errorf("Ngọc's record shows reads: %+v", recs)
		}
		f.verifyAudit()
	})
}

// testKey is generated once: RSA generation is the slow part of the OIDC tests.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

const (
	clientID     = "motcua-portal"
	clientSecret = "portal-secret-for-tests"
	callback     = "http://portal.motcua.test/auth/citizen/callback"
)

// idp serves the development provider on a loopback port, on the test's
// clock.
func idp(t *testing.T, f *fixture) (issuer string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer = "http://" + srv.Listener.Addr().String() + "/dev-idp"
	p, err := devidp.New(devidp.Config{
		Issuer: issuer, Key: testKey(), CodeSecret: []byte("0123456789abcdef0123456789abcdef"),
		Clients: []devidp.Client{{ID: clientID, Secret: clientSecret, RedirectURIs: []string{callback}}},
		Now:     f.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dev-idp/", p.Handler())
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

// browser follows no redirects, so the test sees each hop.
var browser = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

var (
	formRE   = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	buttonRE = regexp.MustCompile(`<button type="submit" name="subject" value="([^"]*)">`)
)

// signInAt plays the citizen's browser: it opens the provider's page at
// authURL, chooses subject on it and returns the callback's query.
func signInAt(t *testing.T, authURL, subject string) url.Values {
	t.Helper()
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", authURL, resp.StatusCode, page)
	}
	m := formRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in form on the page:\n%s", page)
	}
	form := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	var offered []string
	for _, b := range buttonRE.FindAllStringSubmatch(page, -1) {
		offered = append(offered, html.UnescapeString(b[1]))
	}
	if !slices.Contains(offered, subject) {
		t.Fatalf("subject %s not offered on the page (offered %v)", subject, offered)
	}
	form.Set("subject", subject)
	u, _ := url.Parse(authURL)
	action, err := u.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = browser.PostForm(action.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d", action, resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), callback+"?") {
		t.Fatalf("redirected to %q (%v), want the callback", resp.Header.Get("Location"), err)
	}
	return loc.Query()
}

func TestCitizenOIDCFlow(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		issuer := idp(t, f)
		login := f.svc.NewCitizenLogin(identity.OIDCConfig{Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: callback})

		authURL, err := login.Begin(ctx, "/ho-so/cua-toi")
		if err != nil {
			t.Fatal(err)
		}
		au, err := url.Parse(authURL)
		if err != nil || !strings.HasPrefix(authURL, issuer+"/authorize?") {
			t.Fatalf("authorize URL %q", authURL)
		}
		q := au.Query()
		state := q.Get("state")
		if q.Get("client_id") != clientID || q.Get("redirect_uri") != callback || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || state == "" || !strings.Contains(q.Get("scope"), "openid") {
			t.Errorf("authorize parameters %v", q)
		}
		// The flow is stored by the state's hash, not the state.
		var stored string
		if err := f.d.QueryRowContext(ctx, `SELECT state_hash || verifier || nonce || return_to FROM oidc_flows`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, state) || !strings.Contains(stored, "/ho-so/cua-toi") {
			t.Errorf("stored flow %q", stored)
		}

		f.clk.Advance(30 * time.Second) // the citizen reads the page
		cb := signInAt(t, authURL, "dev-citizen-02")
		if cb.Get("state") != state || cb.Get("iss") != issuer || cb.Get("code") == "" {
			t.Fatalf("callback parameters %v", cb)
		}
		client := identity.Client{IP: "113.160.1.1", UserAgent: "Mobile Safari"}
		tok, p, returnTo, err := login.Finish(ctx, cb.Get("state"), cb.Get("code"), client)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != authz.Citizen || p.NationalID != "079192004567" || p.Name != "Trần Thị Bích Ngọc" || returnTo != "/ho-so/cua-toi" {
			t.Errorf("Finish = %+v, returnTo %q", p, returnTo)
		}
		sp, err := f.svc.SessionPrincipal(ctx, tok)
		if err != nil || sp.NationalID != "079192004567" || sp.Kind != authz.Citizen {
			t.Errorf("SessionPrincipal = %+v, %v", sp, err)
		}
		c, err := f.svc.CitizenProfile(ctx, sp, "079192004567")
		if err != nil {
			t.Fatal(err)
		}
		if c.Issuer != issuer || c.Subject != "dev-citizen-02" || c.BirthDate != "1992-07-25" || c.Gender != "female" ||
			c.Phone != "+84903000202" || c.Email != "ngoc.tran@example.com" || c.Address != "Số 45, ngõ 120, Phường Cầu Giấy, Thành phố Hà Nội" {
			t.Errorf("profile from the provider %+v", c)
		}
		if n := f.rows("oidc_flows"); n != 0 {
			t.Errorf("%d flows left after Finish", n)
		}

		// The same callback again (a replay, a double click): refused.
		sessions := f.rows("sessions")
		_, p, _, err = login.Finish(ctx, cb.Get("state"), cb.Get("code"), client)
		wantErr(t, err, errs.Unauthenticated, "auth.citizen_failed")
		if p != nil || f.rows("sessions") != sessions {
			t.Errorf("replayed callback: principal %+v, sessions %d→%d", p, sessions, f.rows("sessions"))
		}
		// A state nobody issued.
		_, _, _, err = login.Finish(ctx, "forged-state", cb.Get("code"), client)
		wantErr(t, err, errs.Unauthenticated, "auth.citizen_failed")

		// A code for another flow's state is rejected (PKCE and nonce), and
		// that state is spent.
		other, err := login.Begin(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		otherURL, _ := url.Parse(other)
		_, _, _, err = login.Finish(ctx, otherURL.Query().Get("state"), cb.Get("code"), client)
		wantErr(t, err, errs.Unauthenticated, "auth.citizen_failed")
		cb2 := signInAt(t, other, "dev-citizen-01")
		_, _, _, err = login.Finish(ctx, cb2.Get("state"), cb2.Get("code"), client)
		wantErr(t, err, errs.Unauthenticated, "auth.citizen_failed")

		// An ID token for another nonce (one injected into the request) is
		// rejected even though the code and its PKCE verifier are right.
		injected, err := login.Begin(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		iu, _ := url.Parse(injected)
		iq := iu.Query()
		iq.Set("nonce", "attacker-chosen-nonce")
		iu.RawQuery = iq.Encode()
		cbn := signInAt(t, iu.String(), "dev-citizen-01")
		_, _, _, err = login.Finish(ctx, cbn.Get("state"), cbn.Get("code"), client)
		wantErr(t, err, errs.Unauthenticated, "auth.citizen_failed")
		if e, _ := errs.As(err); e == nil || !strings.Contains(e.Error(), "nonce") {
			t.Errorf("injected nonce: %v, want a nonce mismatch", err)
		}

		// A flow left for more than ten minutes expires, even with a fresh
		// code from the provider.
		slow, err := login.Begin(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(10*time.Minute + time.Second)
		cb3 := signInAt(t, slow, "dev-citizen-01")
		_, _, _, err = login.Finish(ctx, cb3.Get("state"), cb3.Get("code"), client)
		wantErr(t, err, errs.Unauthenticated, "auth.citizen_failed")
		if e, _ := errs.As(err); e == nil || !strings.Contains(e.Error(), "expired") {
			t.Errorf("slow flow: %v, want an expired state", err)
		}

		// A fresh flow still works, and signs in another citizen.
		again, err := login.Begin(ctx, "/thanh-toan")
		if err != nil {
			t.Fatal(err)
		}
		cb4 := signInAt(t, again, "dev-citizen-01")
		_, p, returnTo, err = login.Finish(ctx, cb4.Get("state"), cb4.Get("code"), client)
		if err != nil || p.NationalID != "001085012345" || returnTo != "/thanh-toan" {
			t.Errorf("second citizen: %+v %q %v", p, returnTo, err)
		}
		if n := f.rows("citizens"); n != 2 {
			t.Errorf("%d citizens, want 2", n)
		}
		f.verifyAudit()
	})
}

func TestCitizenOIDCProviderDown(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens there now
		login := f.svc.NewCitizenLogin(identity.OIDCConfig{Issuer: srv.URL + "/dev-idp", ClientID: clientID, ClientSecret: clientSecret, RedirectURL: callback})
		_, err := login.Begin(f.ctx, "/")
		wantErr(t, err, errs.Internal, "auth.provider_unavailable")
		if n := f.rows("oidc_flows"); n != 0 {
			t.Errorf("%d flows stored without a provider", n)
		}
	})
}
