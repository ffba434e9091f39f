package blob

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/motcua/motcua/internal/errs"
)

// MaxNameLen is the longest display name [CheckName] accepts, in characters.
const MaxNameLen = 200

// CheckName turns the file name a client sent into the name shown to users
// and offered in downloads. The name is never used as a path.
//
// It is brought to Unicode NFC (macOS sends decomposed Vietnamese), and any
// directories a client included ("C:\Users\an\scan.pdf", both / and \) are
// dropped. It is rejected (Invalid, blob.name_invalid) when it is not UTF-8,
// has a ".." segment anywhere (a path traversal, not a name), is empty or
// only dots and spaces, or contains a control, format (such as the
// right-to-left override that disguises "gpj.exe" as "exe.jpg"),
// line-separator, private-use or unassigned character; and when it is
// longer than [MaxNameLen] characters (blob.name_too_long). Vietnamese and
// other letters, digits, spaces and punctuation are kept as they are.
func CheckName(name string) (string, error) {
	const op = "blob.CheckName"
	invalid := func(why string) (string, error) {
		return "", &errs.Error{Op: op, Kind: errs.Invalid, Msg: errs.Msg{Key: keyNameInvalid},
			Err: errors.New("file name " + why)}
	}
	if !utf8.ValidString(name) {
		return invalid("is not UTF-8")
	}
	name = norm.NFC.String(name)
	segs := strings.FieldsFunc(name, isSep)
	for _, s := range segs {
		if strings.TrimSpace(s) == ".." {
			return invalid("has a .. segment")
		}
	}
	if len(segs) == 0 || isSep(rune(name[len(name)-1])) {
		return invalid("is empty or a directory")
	}
	name = strings.TrimSpace(segs[len(segs)-1])
	if strings.Trim(name, ". ") == "" {
		return invalid("has no characters but dots and spaces")
	}
	for _, r := range name {
		if !nameRune(r) {
			return invalid("contains a control or invisible character")
		}
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return "", &errs.Error{Op: op, Kind: errs.Invalid, Msg: errs.Msg{Key: keyNameTooLong, Args: []any{MaxNameLen}},
			Err: errors.New("file name too long")}
	}
	return name, nil
}

func isSep(r rune) bool { return r == '/' || r == '\\' }

// nameRune reports whether r may appear in a display name: letters, marks,
// digits, punctuation, symbols and spaces, but not the replacement
// character (what is left of bytes that were not text). That leaves out
// control and format characters (such as bidirectional overrides), line
// and paragraph separators, surrogates, private-use and unassigned ones.
func nameRune(r rune) bool {
	return r != utf8.RuneError && unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs)
}

// ContentDisposition returns the Content-Disposition header that offers a
// download under name (RFC 6266):
//
//	attachment; filename="Giay khai sinh.pdf"; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf
//
// filename is an ASCII fallback (Vietnamese marks removed, đ as d, anything
// else outside printable ASCII, quotes, backslashes, slashes and percent
// signs as "_") for old clients; filename* carries the exact name,
// percent-encoded (RFC 8187). Whatever name holds, the result is one line of
// printable ASCII: no CR, LF or other byte that could end the header. Names
// should have passed [CheckName]; others are cleaned on a best-effort basis
// (directories and invisible characters dropped). An empty name gives
// "attachment".
func ContentDisposition(name string) string {
	name = displayName(name)
	if name == "" {
		return "attachment"
	}
	var b strings.Builder
	b.WriteString(`attachment; filename="`)
	b.WriteString(asciiName(name))
	b.WriteString(`"; filename*=UTF-8''`)
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if attrChar(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// displayName is a best-effort [CheckName] that never fails: the last
// path segment, without characters a name must not hold, at most
// MaxNameLen characters.
func displayName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = norm.NFC.String(name)
	if i := strings.LastIndexFunc(name, isSep); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if nameRune(r) {
			return r
		}
		return -1
	}, name)
	name = strings.TrimSpace(name)
	if strings.Trim(name, ". ") == "" {
		return ""
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		name = string([]rune(name)[:MaxNameLen])
	}
	return name
}

// asciiName folds name to printable ASCII for the plain filename
// parameter.
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a mark of a decomposed letter: dropped
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r == '"' || r == '\\' || r == '/' || r == '%':
			b.WriteByte('_')
		case 0x20 <= r && r < 0x7F:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// attrChar reports whether c may appear unencoded in an RFC 8187 value.
func attrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
