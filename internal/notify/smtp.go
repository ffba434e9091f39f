package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// TLSMode says how the SMTP connection is protected.
type TLSMode string

// The TLS modes. The zero value means StartTLS.
const (
	// StartTLS connects in clear text and upgrades with STARTTLS, refusing
	// to continue if the server does not offer it (no silent downgrade).
	// The usual mode on the submission port 587.
	StartTLS TLSMode = "starttls"
	// ImplicitTLS speaks TLS from the first byte (port 465).
	ImplicitTLS TLSMode = "implicit"
	// NoTLS sends in clear text: only for a relay on the same host or a
	// trusted network. net/smtp then refuses to send a password except to
	// localhost.
	NoTLS TLSMode = "none"
)

// ParseTLSMode reads a configuration value ("none", "starttls", "implicit";
// "" means starttls).
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return StartTLS, nil
	case NoTLS, StartTLS, ImplicitTLS:
		return m, nil
	}
	return "", fmt.Errorf("unknown SMTP TLS mode %q: use none, starttls or implicit", s)
}

// SMTP delivers the "email" channel to a mail server (a submission server
// or a relay), one connection per message.
//
// Reply codes 5xx to RCPT TO and DATA (an unknown mailbox, a refused
// message), and recipients that are not one valid address, are permanent
// failures. Everything else is temporary: the connection, the greeting,
// STARTTLS, AUTH and MAIL FROM concern the server or our configuration, not
// the message, and a message must not be given up because of them.
type SMTP struct {
	Addr     string // host:port
	From     string // RFC 5322 address, a display name allowed: "Cổng dịch vụ công <no-reply@example.gov.vn>"
	Username string // AUTH PLAIN when not empty
	Password string
	TLS      TLSMode
	// TLSConfig, if set, is cloned for the connection (e.g. to trust a
	// private CA); ServerName defaults to the host of Addr.
	TLSConfig *tls.Config
	// Timeout bounds one whole delivery, from dialling to QUIT (default 30s).
	Timeout time.Duration
	// LocalName is sent with EHLO (default "localhost").
	LocalName string
	// Now gives the Date header (default time.Now).
	Now func() time.Time
}

// Channel implements Deliverer.
func (s *SMTP) Channel() string { return ChannelEmail }

// Check validates the configuration, for start-up.
func (s *SMTP) Check() error {
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return fmt.Errorf("SMTP address %q: %w", s.Addr, err)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("SMTP sender %q: %w", s.From, err)
	}
	if !singleLine(s.From) || !singleLine(s.Username) || !singleLine(s.LocalName) {
		return errors.New("SMTP sender, user name and local name must be single lines")
	}
	if _, err := ParseTLSMode(string(s.TLS)); err != nil {
		return err
	}
	if s.Username != "" && s.TLS == NoTLS {
		host, _, _ := net.SplitHostPort(s.Addr)
		if host != "localhost" && host != "127.0.0.1" && host != "::1" {
			return errors.New("SMTP authentication needs TLS (starttls or implicit) except to localhost")
		}
	}
	return nil
}

// Deliver implements Deliverer.
func (s *SMTP) Deliver(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("smtp: sender %q: %w", s.From, err) // configuration: temporary
	}
	to, err := recipientAddress(m.Recipient)
	if err != nil {
		return Permanent(err)
	}
	if !singleLine(m.Subject) {
		return Permanent(errors.New("smtp: subject contains a line break or control character"))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg, err := buildMessage(from, to, m, now())
	if err != nil {
		return Permanent(err)
	}
	return s.send(ctx, from.Address, to.Address, msg)
}

// recipientAddress accepts exactly one bare address or "Name <address>".
func recipientAddress(s string) (*mail.Address, error) {
	if !singleLine(s) {
		return nil, errors.New("smtp: recipient contains a line break or control character")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("smtp: recipient %q is not an e-mail address: %w", s, err)
	}
	if !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, " <>,;\"") {
		return nil, fmt.Errorf("smtp: recipient %q is not a single e-mail address", s)
	}
	return a, nil
}

// buildMessage renders an RFC 5322 message: UTF-8 subject as RFC 2047
// encoded-words, UTF-8 body in quoted-printable with CRLF line ends, header
// lines folded to at most 78 characters where there is a space to fold at.
func buildMessage(from, to *mail.Address, m Message, date time.Time) ([]byte, error) {
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	id := m.ID
	if id == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	msgID := "<motcua." + sanitizeIDPart(id) + "@" + sanitizeIDPart(domain) + ">"

	var buf bytes.Buffer
	header := func(name, value string) {
		buf.WriteString(fold(name + ": " + value))
		buf.WriteString("\r\n")
	}
	header("Date", date.Format(time.RFC1123Z))
	header("From", formatAddress(from))
	header("To", formatAddress(to))
	header("Subject", encodeText(m.Subject))
	header("Message-ID", msgID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies
	buf.WriteString("\r\n")

	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	qp := quotedprintable.NewWriter(&buf)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\r\n")) {
		buf.WriteString("\r\n")
	}
	return buf.Bytes(), nil
}

// encodeText encodes an unstructured header value (RFC 2047) unless it is
// plain printable ASCII that folds well. Each encoded-word holds at most 42
// bytes of UTF-8 (whole characters), so that it is at most 68 characters
// long and fits on a folded line even after "Subject: ".
func encodeText(s string) string {
	plain := !strings.Contains(s, "=?")
	for _, w := range strings.Split(s, " ") {
		if len(w) > 60 {
			plain = false
		}
	}
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= ' ' && s[i] <= '~'
	}
	if plain {
		return s
	}
	const chunk = 42
	var words []string
	for len(s) > 0 {
		n := min(len(s), chunk)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, mime.BEncoding.Encode("UTF-8", s[:n]))
		s = s[n:]
	}
	// mime.BEncoding leaves plain ASCII chunks as they are: force encoding
	// so that every piece is an encoded-word and the spaces between them
	// (which decoders drop) carry no meaning.
	for i, w := range words {
		if !strings.HasPrefix(w, "=?") {
			words[i] = "=?UTF-8?b?" + base64.StdEncoding.EncodeToString([]byte(w)) + "?="
		}
	}
	return strings.Join(words, " ")
}

// formatAddress renders "Name <address>" with a UTF-8 name as encoded-words.
func formatAddress(a *mail.Address) string {
	bare := (&mail.Address{Address: a.Address}).String()
	if a.Name == "" {
		return bare
	}
	for i := 0; i < len(a.Name); i++ {
		if c := a.Name[i]; c < ' ' || c > '~' {
			return encodeText(a.Name) + " " + bare
		}
	}
	return a.String() // ASCII: net/mail quotes as needed
}

// sanitizeIDPart keeps the characters a Message-ID's dot-atom may hold.
func sanitizeIDPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_+=", r)) {
			return r
		}
		return '-'
	}, s)
}

// fold breaks a header line before spaces so that lines stay within 78
// characters where possible. Unfolding (removing CRLF) gives the line back.
func fold(line string) string {
	const limit = 78
	if len(line) <= limit {
		return line
	}
	var b strings.Builder
	cur := 0 // length of the current physical line
	for i, w := range strings.Split(line, " ") {
		if i > 0 {
			if i > 1 && cur+1+len(w) > limit {
				b.WriteString("\r\n")
				cur = 0
			}
			b.WriteByte(' ')
			cur++
		}
		b.WriteString(w)
		cur += len(w)
	}
	return b.String()
}

func (s *SMTP) send(ctx context.Context, from, to string, msg []byte) (err error) {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: address %q: %w", s.Addr, err)
	}
	mode, err := ParseTLSMode(string(s.TLS))
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsConf = s.TLSConfig.Clone()
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = host
	}

	dialer := &net.Dialer{}
	var conn net.Conn
	if mode == ImplicitTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConf}).DialContext(ctx, "tcp", s.Addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: connect to %s: %w", s.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancelling ctx interrupts any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	wrap := func(stage string, err error) error {
		if ctx.Err() != nil {
			err = errors.Join(err, context.Cause(ctx))
		} else if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			// The connection's deadline (the same instant) fired before
			// the context's timer did.
			err = errors.Join(err, context.DeadlineExceeded)
		}
		err = fmt.Errorf("smtp %s: %w", stage, err)
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 && (stage == "RCPT" || stage == "DATA") {
			return Permanent(err)
		}
		return err
	}

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return wrap("greeting", err)
	}
	defer c.Close()
	local := s.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return wrap("EHLO", err)
	}
	if mode == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return wrap("STARTTLS", errors.New("the server does not offer STARTTLS (set the TLS mode to none to send in clear text)"))
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return wrap("STARTTLS", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return wrap("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return wrap("MAIL", err)
	}
	if err := c.Rcpt(to); err != nil {
		return wrap("RCPT", err)
	}
	w, err := c.Data()
	if err != nil {
		return wrap("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return wrap("DATA", err)
	}
	if err := w.Close(); err != nil {
		return wrap("DATA", err)
	}
	// The server has taken the message; a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}
