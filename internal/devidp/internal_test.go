package devidp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

// TestThumbprintRFC7638 uses the worked example of RFC 7638 §3.1.
func TestThumbprintRFC7638(t *testing.T) {
	const n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	const want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	nb, err := b64.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	// Going through publicJWK also checks the encoding of n and e (65537 → AQAB).
	got := publicJWK(&rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537})
	if got.Kid != want || got.N != n || got.E != "AQAB" {
		t.Errorf("publicJWK = kid %q, e %q, n equal: %v; want kid %q, e AQAB", got.Kid, got.E, got.N == n, want)
	}
}

func TestSignJWT(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signJWT(key, "kid-1", map[string]string{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	var header map[string]string
	raw, _ := b64.DecodeString(parts[0])
	if err := json.Unmarshal(raw, &header); err != nil || header["alg"] != "RS256" || header["kid"] != "kid-1" {
		t.Errorf("header %s (%v)", raw, err)
	}
	sig, _ := b64.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}

func TestSeal(t *testing.T) {
	key, other := deriveKey([]byte("secret"), "a"), deriveKey([]byte("secret"), "b")
	type payload struct{ X string }
	tok, err := seal(key, payload{"hello"})
	if err != nil {
		t.Fatal(err)
	}
	var got payload
	if err := unseal(key, tok, &got); err != nil || got.X != "hello" {
		t.Fatalf("unseal = %+v, %v", got, err)
	}
	body, mac, _ := strings.Cut(tok, ".")
	forged := b64.EncodeToString([]byte(`{"X":"bye"}`)) + "." + mac
	for name, bad := range map[string]string{
		"other purpose key": tok, "forged payload": forged, "no MAC": body,
		"bad base64": body + ".!!", "empty": "",
	} {
		k := key
		if name == "other purpose key" {
			k = other
		}
		if err := unseal(k, bad, &got); err == nil {
			t.Errorf("%s: unseal accepted %q", name, bad)
		}
	}
}

func TestCheckNationalID(t *testing.T) {
	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		id, birth, gender string
		ok                bool
	}{
		{"001085012345", "1985-03-12", "male", true},
		{"079192004567", "1992-07-25", "female", true},
		{"001200003456", "2000-02-29", "male", true}, // 2000 is already the 21st century in CCCD terms
		{"001305006789", "2005-01-30", "female", true},
		{"001099000001", "1999-12-31", "male", true},
		{"001085012345", "", "", true}, // nothing to compare with
		{"001085012345", "1985-03-12", "female", false},
		{"001185012345", "1985-03-12", "male", false},
		{"001285012345", "1985-03-12", "male", false}, // right year digits, wrong century
		{"001000003456", "2000-02-29", "male", false}, // 1900's digit for a 2000 birth
		{"001086012345", "1985-03-12", "male", false},
		{"00108501234", "", "", false},
		{"0010850123456", "", "", false},
		{"00108501234a", "", "", false},
		{"101085012345", "", "", false},
	}
	for _, tt := range tests {
		var birth time.Time
		if tt.birth != "" {
			birth = date(tt.birth)
		}
		err := checkNationalID(tt.id, birth, tt.gender)
		if (err == nil) != tt.ok {
			t.Errorf("checkNationalID(%q, %q, %q) = %v, want ok=%v", tt.id, tt.birth, tt.gender, err, tt.ok)
		}
	}
}
