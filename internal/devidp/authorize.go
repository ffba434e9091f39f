package devidp

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authRequest is a validated authorization request (RFC 6749 §4.1.1,
// RFC 7636 §4.3, OpenID Connect Core §3.1.2.1).
type authRequest struct {
	client        Client
	redirectURI   string
	scope         string // granted: the supported scopes asked for, in order
	state         string
	nonce         string
	codeChallenge string
}

// authError is an error reported to the client by redirect (RFC 6749
// §4.1.2.1). Its description must stay ASCII, so it is English only.
type authError struct {
	code, description string
}

// pageError is an error shown to the user instead of redirecting, because
// the redirect URI cannot be trusted (RFC 6749 §4.1.2.1, first paragraph).
type pageError struct {
	VI, EN string
}

// codeClaims is the content of an authorization code. It is everything the
// token endpoint needs, so any server copy can redeem a code minted by
// another.
//
// A code can be redeemed more than once within its 60 seconds: detecting
// reuse would need shared state (a database row per code), which a dev-only
// provider should not demand of every deployment shape. The risk is small:
// codes only travel to registered redirect URIs, redeeming one needs the
// client secret and the PKCE verifier, and the window is a minute.
type codeClaims struct {
	ClientID      string `json:"client_id"`
	RedirectURI   string `json:"redirect_uri"`
	Subject       string `json:"sub"`
	CodeChallenge string `json:"code_challenge"`
	Nonce         string `json:"nonce,omitempty"`
	Scope         string `json:"scope"`
	AuthTime      int64  `json:"auth_time"`
	Expiry        int64  `json:"exp"`
}

// maxParamLen bounds the values echoed into the page and the code, so a
// hostile link cannot inflate either.
const maxParamLen = 512

// serveAuthorize is the authorization endpoint. GET, or a POST without a
// choice, shows the sign-in page (OpenID Connect Core §3.1.2.1 requires both
// methods); the page's form POSTs back with the same parameters plus the
// chosen subject, and everything is validated again because the form
// fields are as untrusted as the original query.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			p.renderError(w, http.StatusBadRequest, pageError{
				VI: "Không đọc được dữ liệu gửi lên.",
				EN: "The submitted form could not be read.",
			})
			return
		}
		params = r.PostForm
	}

	req, perr, aerr := p.parseAuthRequest(params)
	if perr != nil {
		p.renderError(w, http.StatusBadRequest, *perr)
		return
	}
	if aerr != nil {
		p.redirectError(w, r, req, *aerr)
		return
	}

	_, chose := params["subject"]
	_, cancelled := params["cancel"]
	if !chose && !cancelled {
		p.renderChooser(w, http.StatusOK, params, req, nil)
		return
	}
	// Only this provider's own page may complete a sign-in. A cross-site
	// form could otherwise sign a browser in as a test citizen unasked;
	// starting a sign-in from another site remains allowed.
	if err := p.crossSite.Check(r); err != nil {
		p.renderError(w, http.StatusForbidden, pageError{
			VI: "Yêu cầu đến từ một trang web khác nên bị từ chối.",
			EN: "The request came from another site and was refused.",
		})
		return
	}
	if cancelled {
		p.redirectError(w, r, req, authError{"access_denied", "the user cancelled the sign-in"})
		return
	}

	citizen, ok := p.bySubject[params.Get("subject")]
	if !ok {
		p.renderChooser(w, http.StatusBadRequest, params, req, &pageError{
			VI: "Không có công dân thử nghiệm này. Vui lòng chọn một người trong danh sách.",
			EN: "There is no such test citizen. Please choose one from the list.",
		})
		return
	}
	now := p.now()
	code, err := seal(p.codeKey, codeClaims{
		ClientID:      req.client.ID,
		RedirectURI:   req.redirectURI,
		Subject:       citizen.Subject,
		CodeChallenge: req.codeChallenge,
		Nonce:         req.nonce,
		Scope:         req.scope,
		AuthTime:      now.Unix(),
		Expiry:        now.Add(codeTTL).Unix(),
	})
	if err != nil {
		p.redirectError(w, r, req, authError{"server_error", "could not issue a code"})
		return
	}
	p.redirect(w, r, req, url.Values{"code": {code}})
}

// parseAuthRequest validates an authorization request. A pageError means the
// client or redirect URI is not trustworthy; an authError comes with a
// usable req (client and redirect URI set) to redirect to.
func (p *Provider) parseAuthRequest(v url.Values) (authRequest, *pageError, *authError) {
	var req authRequest
	if len(v["client_id"]) > 1 || len(v["redirect_uri"]) > 1 {
		return req, &pageError{
			VI: "Tham số client_id hoặc redirect_uri bị lặp lại.",
			EN: "The client_id or redirect_uri parameter is repeated.",
		}, nil
	}
	client, ok := p.clients[v.Get("client_id")]
	if !ok {
		return req, &pageError{
			VI: "Ứng dụng yêu cầu đăng nhập (client_id) không được đăng ký với nhà cung cấp định danh này.",
			EN: "The application asking for sign-in (client_id) is not registered with this identity provider.",
		}, nil
	}
	redirectURI := v.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		return req, &pageError{
			VI: "Địa chỉ chuyển hướng (redirect_uri) không khớp với địa chỉ đã đăng ký cho ứng dụng.",
			EN: "The redirect address (redirect_uri) does not match one registered for the application.",
		}, nil
	}
	req.client, req.redirectURI = client, redirectURI
	req.state = v.Get("state")

	for name, values := range v {
		if len(values) > 1 {
			return req, nil, &authError{"invalid_request", "parameter " + name + " is repeated"}
		}
		if len(values[0]) > maxParamLen {
			return req, nil, &authError{"invalid_request", "parameter " + name + " is too long"}
		}
	}
	switch rt := v.Get("response_type"); {
	case rt == "":
		return req, nil, &authError{"invalid_request", "response_type is required"}
	case rt != "code":
		return req, nil, &authError{"unsupported_response_type", "only response_type=code is supported"}
	}
	scopes := strings.Fields(v.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		return req, nil, &authError{"invalid_scope", "scope must include openid"}
	}
	if req.state == "" {
		return req, nil, &authError{"invalid_request", "state is required"}
	}
	if v.Get("code_challenge_method") != "S256" {
		return req, nil, &authError{"invalid_request", "PKCE is required: code_challenge_method must be S256"}
	}
	req.codeChallenge = v.Get("code_challenge")
	if req.codeChallenge == "" {
		return req, nil, &authError{"invalid_request", "PKCE is required: code_challenge is missing"}
	}
	if !isS256Challenge(req.codeChallenge) {
		return req, nil, &authError{"invalid_request", "code_challenge is not a base64url SHA-256 value"}
	}
	// There is no session to reuse, so a sign-in without a page is
	// impossible (OpenID Connect Core §3.1.2.6).
	if slices.Contains(strings.Fields(v.Get("prompt")), "none") {
		return req, nil, &authError{"login_required", "this provider always shows its sign-in page"}
	}
	req.nonce = v.Get("nonce")

	var granted []string
	for _, s := range supportedScopes() {
		if slices.Contains(scopes, s) {
			granted = append(granted, s)
		}
	}
	req.scope = strings.Join(granted, " ")
	return req, nil, nil
}

// isS256Challenge reports whether c can be an S256 code challenge: the
// base64url encoding, without padding, of 32 bytes.
func isS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	b, err := b64.DecodeString(c)
	return err == nil && len(b) == 32
}

// redirect sends the authorization response to the client. The iss
// parameter (RFC 9207) lets clients that talk to several providers detect
// a mix-up.
func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, req authRequest, params url.Values) {
	if req.state != "" {
		params.Set("state", req.state)
	}
	params.Set("iss", p.issuer)
	// Appending keeps the registered URI's own query exactly as registered.
	target := req.redirectURI
	if strings.Contains(target, "?") {
		target += "&" + params.Encode()
	} else {
		target += "?" + params.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther // the client's callback must be fetched with GET
	}
	http.Redirect(w, r, target, status)
}

func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, e authError) {
	p.redirect(w, r, req, url.Values{"error": {e.code}, "error_description": {e.description}})
}

// The view types below are what page.html sees.

type hiddenField struct{ Name, Value string }

type citizenView struct {
	Subject, FullName, NationalID, BirthDate, GenderVI, GenderEN string
}

type chooserView struct {
	Action      string
	ClientID    string
	RedirectURI string
	Hidden      []hiddenField
	Citizens    []citizenView
	Error       *pageError
}

// formParams are the authorization request parameters the sign-in form
// carries back; the choice itself travels in the submit button.
func formParams() []string {
	return []string{
		"response_type", "client_id", "redirect_uri", "scope", "state",
		"nonce", "code_challenge", "code_challenge_method",
	}
}

func (p *Provider) renderChooser(w http.ResponseWriter, status int, params url.Values, req authRequest, perr *pageError) {
	view := chooserView{
		Action:      p.prefix + "/authorize",
		ClientID:    req.client.ID,
		RedirectURI: req.redirectURI,
		Error:       perr,
	}
	for _, name := range formParams() {
		if value, ok := params[name]; ok {
			view.Hidden = append(view.Hidden, hiddenField{name, value[0]})
		}
	}
	for _, c := range p.citizens {
		cv := citizenView{
			Subject:    c.Subject,
			FullName:   c.FullName,
			NationalID: c.NationalID,
			BirthDate:  c.BirthDate,
		}
		if d, err := time.Parse(time.DateOnly, c.BirthDate); err == nil {
			cv.BirthDate = d.Format("02/01/2006") // the Vietnamese order
		}
		switch c.Gender {
		case "male":
			cv.GenderVI, cv.GenderEN = "Nam", "Male"
		case "female":
			cv.GenderVI, cv.GenderEN = "Nữ", "Female"
		}
		view.Citizens = append(view.Citizens, cv)
	}
	p.render(w, status, "chooser", view)
}

func (p *Provider) renderError(w http.ResponseWriter, status int, perr pageError) {
	p.render(w, status, "error", perr)
}

// render executes into a buffer first so that a template failure becomes a
// clean 500 instead of half a page.
func (p *Provider) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "devidp: page rendering failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// No form-action: browsers apply it to the redirect that follows the
	// form, which goes to the client's origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
