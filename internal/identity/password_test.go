package identity_test

import (
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/identity"
)

func TestHashPassword(t *testing.T) {
	h, err := identity.HashPassword(password, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, password) {
		t.Errorf("hash %q is not a PHC argon2id string with the given costs", h)
	}
	h2, _ := identity.HashPassword(password, cheap)
	if h == h2 {
		t.Error("two hashes of one password are equal: no random salt")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{
		{password, true},
		{"mật khẩu đủ dài 2025", false},
		{"mat khau du dai 2026", false}, // the same without diacritics is another password
		{"", false},
		{password + " ", false},
	} {
		ok, err := identity.CheckPassword(h, c.pw)
		if err != nil || ok != c.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	// The hash carries its own costs: one made with other parameters still
	// checks, so raising the defaults locks nobody out.
	old, _ := identity.HashPassword(password, identity.PasswordParams{Memory: 128, Time: 2, Threads: 2})
	if ok, err := identity.CheckPassword(old, password); !ok || err != nil {
		t.Errorf("hash with other costs: %v, %v", ok, err)
	}
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5",
		"$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$",
	} {
		if ok, err := identity.CheckPassword(bad, password); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, c := range []struct {
		pw, want string
	}{
		{"", "password.too_short"},
		{"123456789", "password.too_short"},
		{"1234567890", ""},
		{"ưưưưưưưưư", "password.too_short"}, // 9 characters, 18 bytes
		{"ưưưưưưưưưư", ""},
		{strings.Repeat("a", 256), ""},
		{strings.Repeat("a", 257), "password.too_long"},
		{strings.Repeat("đ", 256), ""}, // 512 bytes, 256 characters
	} {
		if got := identity.ValidatePassword(c.pw); got != c.want {
			t.Errorf("ValidatePassword(%d runes, %d bytes) = %q, want %q", len([]rune(c.pw)), len(c.pw), got, c.want)
		}
	}
}
