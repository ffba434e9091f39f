// Package fold turns Vietnamese text into the plain form that search
// indexes and search queries are compared in.
//
// Citizens type "dang ky khai sinh" on a phone keyboard without an input
// method, officials copy "ĐĂNG KÝ KHAI SINH" from a decree, and old
// systems hand over text in decomposed Unicode: all of these must find the
// same procedure. Folding removes every difference that people do not
// reliably type: tone and vowel marks, the bar of đ, letter case,
// punctuation and spacing.
//
// The folded form is deliberately lossy ("Ba Đình" and "Bà Định" fold alike)
// and is never shown to users; it lives in a search column next to the
// original text, and the same function must be applied to both the indexed
// text and the query, on every engine.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s in its search form: Unicode canonical decomposition (NFD)
// with combining marks dropped, đ and Đ as d, lower case, and every run of
// characters other than the ASCII letters and digits that remain replaced by
// a single space, with no space at either end.
//
// The result contains only the bytes [a-z0-9 ]. Letters of other scripts
// that do not decompose to an ASCII letter (Cyrillic, Han, ø, ß) act as
// separators: the search indexes built on this form are for Vietnamese and
// Latin-script text.
//
// Fold(Fold(s)) == Fold(s) for every s, and Fold allocates at most once
// (not at all when s is already folded).
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	var b strings.Builder
	// Folding never lengthens text: whatever survives of a character is one
	// byte, and a run of separators becomes one space.
	b.Grow(len(s))
	f := folder{b: &b}
	for i := 0; i < len(s); {
		c := s[i]
		if isWordByte(c) {
			// Copy a run of bytes that are already folded in one go: most
			// of most text.
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			f.word(s[i:j])
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			f.ascii(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if d, ok := dBar(r); ok {
			f.ascii(d)
			i += size
			continue
		}
		p := norm.NFD.PropertiesString(s[i:])
		if dec := p.Decomposition(); dec != nil {
			// dec is the full canonical decomposition: a base character
			// followed by combining marks, which are dropped.
			for j := 0; j < len(dec); {
				dr, dsize := utf8.DecodeRune(dec[j:])
				f.rune(dr)
				j += dsize
			}
		} else {
			f.rune(r)
		}
		i += size
	}
	return b.String()
}

// Words returns the words of Fold(s), in order, duplicates kept.
//
// Every word consists only of [a-z0-9], so a query built from Words can
// never carry full-text search syntax: no quotes, no *, no -, no
// parentheses, no column filters, and no upper-case AND, OR, NOT or NEAR
// (operators in SQLite FTS5 and PostgreSQL tsquery are upper case or
// punctuation). Callers may therefore quote or join the words into an FTS
// expression without further escaping. An empty or all-punctuation s gives
// no words, and callers must treat that as "no search", not "match all".
func Words(s string) []string {
	f := Fold(s)
	if f == "" {
		return nil
	}
	return strings.Split(f, " ")
}

// folder appends folded characters to b, collapsing separators.
type folder struct {
	b *strings.Builder
	// space records a separator seen since the last word character; it is
	// written only when another word character follows, so the result never
	// begins or ends with a space.
	space bool
}

func (f *folder) word(w string) {
	if f.space && f.b.Len() > 0 {
		f.b.WriteByte(' ')
	}
	f.space = false
	f.b.WriteString(w)
}

func (f *folder) ascii(c byte) {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
	case 'A' <= c && c <= 'Z':
		c += 'a' - 'A'
	default:
		f.space = true
		return
	}
	if f.space && f.b.Len() > 0 {
		f.b.WriteByte(' ')
	}
	f.space = false
	f.b.WriteByte(c)
}

func (f *folder) rune(r rune) {
	if r < utf8.RuneSelf {
		f.ascii(byte(r))
		return
	}
	if d, ok := dBar(r); ok {
		f.ascii(d)
		return
	}
	// A mark joins the letter before it, so it must not split a word: a
	// stray combining accent typed after "a" leaves "a", not "a ". The
	// range check catches every Vietnamese mark before the table look-up.
	if 0x300 <= r && r <= 0x36f || unicode.Is(unicode.Mn, r) {
		return
	}
	f.space = true
}

// dBar maps the Vietnamese đ, which has no decomposition, and the
// look-alikes that legacy encodings and careless keyboards put in its place
// (Icelandic eth, African D), to d.
func dBar(r rune) (byte, bool) {
	switch r {
	case 'đ', 'Đ', 'ð', 'Ð', 'ɖ', 'Ɖ':
		return 'd', true
	}
	return 0, false
}

// isFolded reports whether s is already in folded form, so that folding
// stored search text again costs no allocation.
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isWordByte(c):
		case c == ' ':
			if i == 0 || i == len(s)-1 || s[i-1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
