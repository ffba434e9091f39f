package notify

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mailServer is a small SMTP server for the tests: EHLO/HELO, STARTTLS
// (when it has a certificate), implicit TLS, AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT. It records every message it accepts, raw.
type mailServer struct {
	t    *testing.T
	ln   net.Listener
	addr string

	tlsConf  *tls.Config // nil: STARTTLS not offered
	implicit bool        // TLS from the first byte
	user     string      // non-empty: AUTH required before MAIL
	pass     string
	delay    time.Duration                   // before answering DATA, so that deliveries overlap
	rcpt     func(addr string) (int, string) // reply to RCPT TO; nil: 250
	refuse   atomic.Bool                     // answer 421 to every new connection
	conns    atomic.Int64                    // connections accepted
	authSeen atomic.Int64                    // AUTH commands received
	wg       sync.WaitGroup
	mu       sync.Mutex
	msgs     []received
}

type received struct {
	From string
	To   []string
	Data []byte // as sent, dot-unstuffed, CRLF line ends kept
	TLS  bool
	User string
}

type serverOpt func(*mailServer)

func withTLS(conf *tls.Config) serverOpt { return func(s *mailServer) { s.tlsConf = conf } }
func withImplicitTLS(conf *tls.Config) serverOpt {
	return func(s *mailServer) { s.tlsConf, s.implicit = conf, true }
}
func withAuth(user, pass string) serverOpt {
	return func(s *mailServer) { s.user, s.pass = user, pass }
}
func withDelay(d time.Duration) serverOpt { return func(s *mailServer) { s.delay = d } }
func withRcpt(f func(string) (int, string)) serverOpt {
	return func(s *mailServer) { s.rcpt = f }
}

func newMailServer(t *testing.T, opts ...serverOpt) *mailServer {
	t.Helper()
	s := &mailServer{t: t}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tlsConf)
	}
	s.ln, s.addr = ln, ln.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *mailServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *mailServer) serve(c net.Conn) {
	defer func() { c.Close() }()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(format string, args ...any) {
		fmt.Fprintf(w, format+"\r\n", args...)
		w.Flush()
	}
	readLine := func() (string, error) {
		l, err := r.ReadString('\n')
		return strings.TrimRight(l, "\r\n"), err
	}
	if s.refuse.Load() {
		reply("421 4.3.2 Service not available, try later")
		return
	}
	reply("220 test.local ESMTP ready")
	isTLS, greeted, authUser := s.implicit, false, ""
	var cur *received
	for {
		line, err := readLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "HELO":
			greeted = true
			reply("250 test.local")
		case "EHLO":
			greeted = true
			ext := []string{"test.local", "8BITMIME", "AUTH PLAIN"}
			if s.tlsConf != nil && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if s.tlsConf == nil || isTLS {
				reply("502 5.5.1 STARTTLS not available")
				continue
			}
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r, w = tc, bufio.NewReader(tc), bufio.NewWriter(tc)
			isTLS, greeted, authUser, cur = true, false, "", nil
		case "AUTH":
			s.authSeen.Add(1)
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 Unrecognized authentication type")
				continue
			}
			if resp == "" {
				reply("334 ")
				if resp, err = readLine(); err != nil {
					return
				}
			}
			dec, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(dec), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass || s.user == "" {
				reply("535 5.7.8 Authentication credentials invalid")
				continue
			}
			authUser = parts[1]
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			switch {
			case !greeted:
				reply("503 5.5.1 EHLO first")
			case s.user != "" && authUser == "":
				reply("530 5.7.0 Authentication required")
			default:
				cur = &received{From: pathArg(arg, "FROM:"), TLS: isTLS, User: authUser}
				reply("250 2.1.0 OK")
			}
		case "RCPT":
			if cur == nil {
				reply("503 5.5.1 MAIL first")
				continue
			}
			addr := pathArg(arg, "TO:")
			if s.rcpt != nil {
				if code, msg := s.rcpt(addr); code != 250 {
					reply("%d %s", code, msg)
					continue
				}
			}
			cur.To = append(cur.To, addr)
			reply("250 2.1.5 OK")
		case "DATA":
			if cur == nil || len(cur.To) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 End data with <CR><LF>.<CR><LF>")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			if s.delay > 0 {
				time.Sleep(s.delay)
			}
			cur.Data = data.Bytes()
			s.mu.Lock()
			s.msgs = append(s.msgs, *cur)
			s.mu.Unlock()
			cur = nil
			reply("250 2.0.0 OK queued")
		case "RSET":
			cur = nil
			reply("250 2.0.0 OK")
		case "NOOP":
			reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("500 5.5.2 Command not recognized")
		}
	}
}

// pathArg extracts the address of "FROM:<a@b> BODY=8BITMIME".
func pathArg(arg, prefix string) string {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return ""
	}
	p := strings.TrimSpace(arg[len(prefix):])
	if i := strings.IndexByte(p, '>'); strings.HasPrefix(p, "<") && i > 0 {
		return p[1:i]
	}
	return p
}

// testCert returns a server TLS configuration with a fresh self-signed
// certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "test.local"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}
