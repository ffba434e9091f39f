package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	testFrom    = "Cổng Dịch vụ công tỉnh Hà Tĩnh <no-reply@dvc.example.gov.vn>"
	testSubject = "Hồ sơ 000.00.12.H26-250312-0027 đã được tiếp nhận — Ủy ban nhân dân phường Ba Đình, thành phố Hà Nội"
	testBody    = "Kính gửi Ông/Bà Nguyễn Thị Ánh Tuyết,\n\n" +
		"Ủy ban nhân dân phường Ba Đình đã tiếp nhận hồ sơ số 000.00.12.H26-250312-0027 (thủ tục: Cấp giấy phép xây dựng đối với công trình, nhà ở riêng lẻ) của Ông/Bà.\n" +
		".Dòng bắt đầu bằng dấu chấm\n" +
		".\n" +
		"Số tiền = 1.500.000 đồng; dấu cách cuối dòng   \n" +
		"\tThụt đầu dòng, ký tự đặc biệt: ơ ư ă â ê ô đ Đ ỳ ỹ ữ ẵ ẫ ẩ ặ ậ ồ ộ ợ\n"
)

var testNow = time.Date(2026, 3, 12, 9, 30, 0, 0, time.FixedZone("ICT", 7*3600))

func TestSMTPDeliversVietnameseMessage(t *testing.T) {
	serverTLS, roots := testCert(t)
	for _, tc := range []struct {
		name  string
		mode  TLSMode
		opts  []serverOpt
		isTLS bool
	}{
		{"none with auth on localhost", NoTLS, []serverOpt{withAuth("dvc", "mật-khẩu")}, false},
		{"starttls", StartTLS, []serverOpt{withTLS(serverTLS), withAuth("dvc", "mật-khẩu")}, true},
		{"implicit", ImplicitTLS, []serverOpt{withImplicitTLS(serverTLS), withAuth("dvc", "mật-khẩu")}, true},
		{"starttls without auth", "", []serverOpt{withTLS(serverTLS)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newMailServer(t, tc.opts...)
			d := &SMTP{Addr: srv.addr, From: testFrom, TLS: tc.mode, TLSConfig: &tls.Config{RootCAs: roots},
				Timeout: 5 * time.Second, Now: func() time.Time { return testNow }}
			if srv.user != "" {
				d.Username, d.Password = srv.user, srv.pass
			}
			if err := d.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			m := Message{ID: "42.1773282600000000", Channel: ChannelEmail, Recipient: "Nguyễn Thị Ánh Tuyết <tuyet@example.vn>",
				Subject: testSubject, Body: testBody}
			if err := d.Deliver(context.Background(), m); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			msgs := srv.messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.From != "no-reply@dvc.example.gov.vn" || len(got.To) != 1 || got.To[0] != "tuyet@example.vn" {
				t.Errorf("envelope = %q → %q", got.From, got.To)
			}
			if got.TLS != tc.isTLS {
				t.Errorf("TLS = %v, want %v", got.TLS, tc.isTLS)
			}
			if got.User != srv.user {
				t.Errorf("authenticated as %q, want %q", got.User, srv.user)
			}
			checkMessage(t, got.Data, testFrom, m, testNow)
			if got := wantNames(t, got.Data); got != "Cổng Dịch vụ công tỉnh Hà Tĩnh|Nguyễn Thị Ánh Tuyết" {
				t.Errorf("names = %q", got)
			}
		})
	}
}

// checkMessage parses raw as a mail reader would and compares it with m,
// sent from the address from at the instant date.
func checkMessage(t *testing.T, raw []byte, from string, m Message, date time.Time) {
	t.Helper()
	wantFrom, err := mail.ParseAddress(from)
	if err != nil {
		t.Fatal(err)
	}
	wantTo, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) || bytes.Count(line, []byte("\r")) != 1 {
			t.Errorf("line %d does not end in a lone CRLF: %q", i+1, line)
		}
		if len(line) > 78+2 {
			t.Errorf("line %d is %d characters long: %q", i+1, len(line)-2, line)
		}
		for _, c := range line {
			if c >= 0x80 {
				t.Errorf("line %d has 8-bit data: %q", i+1, line)
				break
			}
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	h := msg.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, m.Subject)
	}
	gotFrom, err := h.AddressList("From")
	if err != nil || len(gotFrom) != 1 || *gotFrom[0] != *wantFrom {
		t.Errorf("From = %v (%v), want %v", gotFrom, err, wantFrom)
	}
	gotTo, err := h.AddressList("To")
	if err != nil || len(gotTo) != 1 || *gotTo[0] != *wantTo {
		t.Errorf("To = %v (%v), want %v", gotTo, err, wantTo)
	}
	if got, err := h.Date(); err != nil || !got.Equal(date) || got.Format("-0700") != date.Format("-0700") {
		t.Errorf("Date = %v (%v), want %v", got, err, date)
	}
	if id := h.Get("Message-ID"); m.ID != "" && id != "<motcua."+m.ID+"@"+wantFrom.Address[strings.IndexByte(wantFrom.Address, '@')+1:]+">" {
		t.Errorf("Message-ID = %q", id)
	}
	if h.Get("MIME-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("MIME-Version %q, Auto-Submitted %q", h.Get("MIME-Version"), h.Get("Auto-Submitted"))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q", h.Get("Content-Type"))
	}
	if cte := h.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q", cte)
	}
	if len(h["Bcc"]) > 0 || len(h["Cc"]) > 0 {
		t.Errorf("unexpected Bcc/Cc headers: %v", h)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	if !utf8.Valid(body) {
		t.Errorf("body is not UTF-8: %q", body)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != m.Body {
		t.Errorf("body decodes to\n%q\nwant\n%q", got, m.Body)
	}
}

// wantNames returns the decoded display names of From and To.
func wantNames(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	from, _ := msg.Header.AddressList("From")
	to, _ := msg.Header.AddressList("To")
	if len(from) != 1 || len(to) != 1 {
		t.Fatalf("From %v, To %v", from, to)
	}
	return from[0].Name + "|" + to[0].Name
}

func TestSMTPNeverDowngrades(t *testing.T) {
	_, roots := testCert(t)
	srv := newMailServer(t, withAuth("dvc", "secret")) // no STARTTLS offered
	d := &SMTP{Addr: srv.addr, From: testFrom, Username: "dvc", Password: "secret", TLS: StartTLS,
		TLSConfig: &tls.Config{RootCAs: roots}, Timeout: 5 * time.Second}
	err := d.Deliver(context.Background(), Message{Recipient: "a@example.vn", Subject: "x", Body: "y"})
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Deliver = %v, want a temporary STARTTLS error", err)
	}
	if n := srv.authSeen.Load(); n != 0 {
		t.Errorf("the password was offered in clear text (%d AUTH commands)", n)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPRejectsUntrustedCertificate(t *testing.T) {
	serverTLS, _ := testCert(t)
	srv := newMailServer(t, withTLS(serverTLS))
	d := &SMTP{Addr: srv.addr, From: testFrom, TLS: StartTLS, Timeout: 5 * time.Second}
	err := d.Deliver(context.Background(), Message{Recipient: "a@example.vn", Subject: "x", Body: "y"})
	if err == nil || IsPermanent(err) {
		t.Fatalf("Deliver = %v, want a temporary certificate error", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPErrorClasses(t *testing.T) {
	srv := newMailServer(t, withAuth("dvc", "secret"), withRcpt(func(addr string) (int, string) {
		switch {
		case strings.HasPrefix(addr, "unknown@"):
			return 550, "5.1.1 No such user"
		case strings.HasPrefix(addr, "full@"):
			return 452, "4.2.2 Mailbox full"
		}
		return 250, ""
	}))
	ok := &SMTP{Addr: srv.addr, From: testFrom, Username: "dvc", Password: "secret", TLS: NoTLS, Timeout: 5 * time.Second}
	badPass := *ok
	badPass.Password = "wrong"
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	noServer := *ok
	noServer.Addr = closedAddr

	for _, tc := range []struct {
		name      string
		d         *SMTP
		recipient string
		permanent bool
		mention   string
	}{
		{"unknown mailbox", ok, "unknown@example.vn", true, "550"},
		{"mailbox full", ok, "full@example.vn", false, "452"},
		{"wrong password", &badPass, "a@example.vn", false, "535"},
		{"connection refused", &noServer, "a@example.vn", false, "connect"},
		{"not an address", ok, "không phải địa chỉ", true, "not an e-mail address"},
		{"two addresses", ok, "a@example.vn, b@example.vn", true, "e-mail address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Deliver(context.Background(), Message{Recipient: tc.recipient, Subject: "Thử", Body: "Thử\n"})
			if err == nil {
				t.Fatal("Deliver succeeded")
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("Deliver = %v: permanent %v, want %v", err, IsPermanent(err), tc.permanent)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("Deliver = %v, want it to mention %q", err, tc.mention)
			}
		})
	}
	srv.refuse.Store(true)
	if err := ok.Deliver(context.Background(), Message{Recipient: "a@example.vn", Subject: "x", Body: "y"}); err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "421") {
		t.Errorf("greeting 421: Deliver = %v, want a temporary error", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPRejectsHeaderInjection(t *testing.T) {
	srv := newMailServer(t)
	d := &SMTP{Addr: srv.addr, From: testFrom, TLS: NoTLS, Timeout: 5 * time.Second}
	for _, m := range []Message{
		{Recipient: "a@example.vn\r\nBcc: victim@example.org", Subject: "x", Body: "y"},
		{Recipient: "a@example.vn\nBcc: victim@example.org", Subject: "x", Body: "y"},
		{Recipient: "a@example.vn>\r\nRCPT TO:<victim@example.org", Subject: "x", Body: "y"},
		{Recipient: "a@example.vn", Subject: "Chào\r\nBcc: victim@example.org", Body: "y"},
		{Recipient: "a@example.vn", Subject: "Chào\nContent-Type: text/html", Body: "y"},
		{Recipient: "a@example.vn", Subject: "Chào\rX: y", Body: "y"},
		{Recipient: "a@example.vn", Subject: "Chào\u2028Bcc: victim@example.org", Body: "y"},
		{Recipient: "a@example.vn", Subject: "Chào\x00", Body: "y"},
	} {
		err := d.Deliver(context.Background(), m)
		if !IsPermanent(err) {
			t.Errorf("Deliver(%q, %q) = %v, want a permanent error", m.Recipient, m.Subject, err)
		}
	}
	if n := srv.conns.Load(); n != 0 {
		t.Errorf("the deliverer connected %d times for messages it must refuse", n)
	}
	// A body cannot inject headers: it comes after the empty line, and a
	// line that looks like a header stays in the body.
	m := Message{Recipient: "a@example.vn", Subject: "Thử", Body: "\r\nBcc: victim@example.org\n\n.\nQUIT\n"}
	if err := d.Deliver(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "a@example.vn" {
		t.Fatalf("messages = %+v", msgs)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Header["Bcc"]) != 0 {
		t.Errorf("Bcc header injected through the body")
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != "\nBcc: victim@example.org\n\n.\nQUIT\n" {
		t.Errorf("body = %q", got)
	}
}

func TestSMTPCancel(t *testing.T) {
	// A server that accepts the connection and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	d := &SMTP{Addr: ln.Addr().String(), From: testFrom, TLS: NoTLS, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = d.Deliver(ctx, Message{Recipient: "a@example.vn", Subject: "x", Body: "y"})
	if err == nil || IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Deliver = %v, want a temporary deadline error", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Deliver took %v after its context ended", el)
	}
	// The deliverer's own Timeout applies too.
	d.Timeout = 200 * time.Millisecond
	if err := d.Deliver(context.Background(), Message{Recipient: "a@example.vn", Subject: "x", Body: "y"}); err == nil {
		t.Error("Deliver to a silent server succeeded")
	}
}

func TestSMTPCheck(t *testing.T) {
	for _, tc := range []struct {
		s  SMTP
		ok bool
	}{
		{SMTP{Addr: "mail.example.vn:587", From: "no-reply@example.vn"}, true},
		{SMTP{Addr: "mail.example.vn", From: "no-reply@example.vn"}, false},
		{SMTP{Addr: "mail.example.vn:587", From: "not an address"}, false},
		{SMTP{Addr: "mail.example.vn:587", From: "no-reply@example.vn", TLS: "ssl"}, false},
		{SMTP{Addr: "mail.example.vn:25", From: "no-reply@example.vn", TLS: NoTLS, Username: "u"}, false},
		{SMTP{Addr: "127.0.0.1:25", From: "no-reply@example.vn", TLS: NoTLS, Username: "u"}, true},
	} {
		if err := tc.s.Check(); (err == nil) != tc.ok {
			t.Errorf("Check(%+v) = %v, want ok %v", tc.s, err, tc.ok)
		}
	}
	for in, want := range map[string]TLSMode{"": StartTLS, "STARTTLS": StartTLS, "implicit": ImplicitTLS, " none ": NoTLS} {
		if got, err := ParseTLSMode(in); err != nil || got != want {
			t.Errorf("ParseTLSMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseTLSMode("tls"); err == nil {
		t.Error(`ParseTLSMode("tls") succeeded`)
	}
}
