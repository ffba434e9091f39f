package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/errs"
)

// Policy is what an attachment may be.
type Policy struct {
	MaxFile    int64  // bytes per file; must be positive
	MaxDossier int64  // bytes for all the files of one dossier; 0 for no limit
	Kinds      []Kind // accepted kinds; nil for all of [Kinds] (PDF, JPEG, PNG)
}

// Upload is one file as a client sent it: nothing in it is trusted.
type Upload struct {
	Name string    // the file name from the form, possibly with directories
	MIME string    // the declared Content-Type; "" if none
	Body io.Reader // the content
}

// Attachment is an accepted, stored file.
type Attachment struct {
	Name   string // display name, from [CheckName], with the kind's extension
	Kind   Kind   // what the content is, by [Sniff]
	SHA256 string
	Size   int64
}

// Accept checks an upload and stores it in s. used is the size of the
// files the dossier already holds, for the per-dossier limit.
//
// The checks, each an Invalid *errs.Error, in the order a user can fix them:
//
//   - the name: blob.name_invalid, blob.name_too_long ([CheckName]);
//   - the content is empty: blob.empty;
//   - the content is not an accepted kind: blob.type_forbidden (args: what
//     it looks like, e.g. "application/zip"; the accepted kinds, "PDF,
//     JPEG, PNG");
//   - the name's extension or the declared MIME type claims another kind
//     than the content is: blob.type_mismatch (args: the claimed type, the
//     actual kind), e.g. a PNG named "scan.pdf" or an .exe renamed;
//   - too large: blob.too_large (args: the per-file limit in MB) or
//     blob.dossier_full (args: the per-dossier limit in MB).
//
// Nothing is stored when a check fails. A name without an extension gets
// the kind's. The per-dossier check is advisory when two files of one
// dossier are uploaded at once: the dossier service must check the total
// again in the transaction that records the attachment, and leave a blob
// it then refuses to housekeeping.
func (p Policy) Accept(ctx context.Context, s Store, u Upload, used int64) (Attachment, error) {
	const op = "blob.Accept"
	if p.MaxFile <= 0 {
		return Attachment{}, internal(op, fmt.Errorf("policy: MaxFile %d must be positive", p.MaxFile))
	}
	name, err := CheckName(u.Name)
	if err != nil {
		return Attachment{}, errs.Wrap(op, err)
	}

	head := make([]byte, SniffLen)
	n, err := io.ReadFull(ctxReader{ctx, u.Body}, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Attachment{}, internal(op, err)
	}
	head = head[:n]
	if n == 0 {
		return Attachment{}, invalid(op, keyEmpty, "empty file")
	}
	kinds := p.Kinds
	if kinds == nil {
		kinds = Kinds
	}
	kind, ok := Sniff(head)
	if !ok || !slices.Contains(kinds, kind) {
		what := describe(head)
		if ok {
			what = kind.Label
		}
		return Attachment{}, invalid(op, keyForbidden, "content is "+what, what, labels(kinds))
	}
	if claim, lie := mismatch(name, u.MIME, kind); lie {
		return Attachment{}, invalid(op, keyMismatch, fmt.Sprintf("declared %s, content %s", claim, kind.Label), claim, kind.Label)
	}
	if nameExt(name) == "" {
		name += kind.Ext
	}

	limit, full := p.MaxFile, false
	if p.MaxDossier > 0 {
		if room := p.MaxDossier - used; room < limit {
			limit, full = room, true
		}
	}
	if limit <= 0 {
		return Attachment{}, invalid(op, keyDossierFull, "dossier full", megabytes(p.MaxDossier))
	}
	info, err := s.Put(ctx, io.MultiReader(bytes.NewReader(head), u.Body), limit)
	if errors.Is(err, ErrTooLarge) && full {
		return Attachment{}, &errs.Error{Op: op, Kind: errs.Invalid,
			Msg: errs.Msg{Key: keyDossierFull, Args: []any{megabytes(p.MaxDossier)}}, Err: err}
	}
	if err != nil {
		return Attachment{}, errs.Wrap(op, err)
	}
	return Attachment{Name: name, Kind: kind, SHA256: info.SHA256, Size: info.Size}, nil
}

// mismatch reports what the name's extension or the declared MIME type
// claims when that is not kind. A name without an extension and an
// undeclared or generic type claim nothing.
func mismatch(name, declared string, kind Kind) (claim string, lie bool) {
	if ext := nameExt(name); ext != "" {
		if k, ok := kindByExt(ext); !ok || k != kind {
			if ok {
				return k.Label, true
			}
			return strings.ToUpper(ext[1:]), true
		}
	}
	t, _, err := mime.ParseMediaType(declared)
	if err != nil {
		t = strings.ToLower(strings.TrimSpace(declared))
	}
	if undeclared(t) {
		return "", false
	}
	if k, ok := kindByMIME(t); !ok || k != kind {
		if ok {
			return k.Label, true
		}
		return truncate(t, 60), true
	}
	return "", false
}

// nameExt is the lower-case extension of a display name, with its dot, or
// "" when what follows the last dot does not look like one (1 to 5 ASCII
// letters and digits, at least one a letter): "Quyết định 12.2025" and
// "Nguyễn V. An" have none.
func nameExt(name string) string {
	ext := path.Ext(name)
	if len(ext) < 2 || len(ext) > 6 {
		return ""
	}
	letter := false
	for _, c := range []byte(ext[1:]) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		default:
			return ""
		}
	}
	if !letter {
		return ""
	}
	return strings.ToLower(ext)
}

func invalid(op, key, why string, args ...any) error {
	return &errs.Error{Op: op, Kind: errs.Invalid, Msg: errs.Msg{Key: key, Args: args}, Err: errors.New(why)}
}
