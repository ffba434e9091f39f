package catalog

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/motcua/motcua/internal/db"
)

// The search index holds the current published versions in memory: their
// folded words, names and facets. A province's catalogue is a few thousand
// procedures (a few megabytes folded), and searching it in memory is two
// orders of magnitude faster than asking either database engine to match
// and rank prefixes over every row (docs/decisions/0004).
//
// It is a cache, never the truth: every search first reads the catalogue's
// revision from the database, which every publication, withdrawal and
// import bumps in its own transaction, and rebuilds the index when it has
// moved. Every server copy therefore sees every change on its next search.

// entry is one current procedure in the index.
type entry struct {
	versionID int64
	sum       Summary
	name      string   // folded name
	nameWords []string // its words
	levels    []string
	agencies  []string
	applicant []string
}

type searchIndex struct {
	rev     string
	entries []entry            // by folded name, then code
	vocab   []string           // every word, sorted
	posting map[string][]int32 // word → entries containing it, ascending
}

// indexCache is the Service's cached index.
type indexCache struct {
	mu  sync.Mutex
	idx *searchIndex
}

const revKey = "catalog.rev"

// bumpRev marks the catalogue as changed, inside the change's transaction.
func bumpRev(ctx context.Context, tx *db.Tx, now db.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT), updated_at = ? WHERE key = ?`, now, revKey)
	return err
}

// index returns an index of the catalogue at its current revision.
func (s *Service) index(ctx context.Context) (*searchIndex, error) {
	var rev string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, revKey).Scan(&rev); err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if s.cache.idx != nil && s.cache.idx.rev == rev {
		return s.cache.idx, nil
	}
	idx, err := s.buildIndex(ctx, rev)
	if err != nil {
		return nil, err
	}
	s.cache.idx = idx
	return idx, nil
}

func (s *Service) buildIndex(ctx context.Context, rev string) (*searchIndex, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, p.code, v.name_vi, v.name_en, v.field_code, v.online_level, v.number, v.folded_name, v.folded_text
		FROM procedures p JOIN procedure_versions v ON v.id = p.current_version_id WHERE NOT p.withdrawn ORDER BY v.folded_name, p.code`)
	if err != nil {
		return nil, err
	}
	idx := &searchIndex{rev: rev, posting: map[string][]int32{}}
	byVersion := map[int64]int{}
	for rows.Next() {
		var e entry
		var text string
		if err := rows.Scan(&e.versionID, &e.sum.Code, &e.sum.NameVI, &e.sum.NameEN, &e.sum.Field, &e.sum.OnlineLevel, &e.sum.Version, &e.name, &text); err != nil {
			rows.Close()
			return nil, err
		}
		e.nameWords = strings.Fields(e.name)
		i := len(idx.entries)
		byVersion[e.versionID] = i
		idx.entries = append(idx.entries, e)
		seen := map[string]bool{}
		for _, w := range append(strings.Fields(text), e.nameWords...) {
			if !seen[w] {
				seen[w] = true
				idx.posting[w] = append(idx.posting[w], int32(i))
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	frows, err := s.db.QueryContext(ctx, `SELECT f.version_id, f.facet, f.value FROM procedure_facets f
		JOIN procedures p ON p.current_version_id = f.version_id WHERE NOT p.withdrawn`)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var id int64
		var facet, value string
		if err := frows.Scan(&id, &facet, &value); err != nil {
			return nil, err
		}
		i, ok := byVersion[id]
		if !ok {
			continue // published meanwhile; the next revision check reloads
		}
		e := &idx.entries[i]
		switch facet {
		case "level":
			e.levels = append(e.levels, value)
		case "agency":
			e.agencies = append(e.agencies, value)
		case "applicant":
			e.applicant = append(e.applicant, value)
		}
	}
	for w := range idx.posting {
		idx.vocab = append(idx.vocab, w)
	}
	sort.Strings(idx.vocab)
	return idx, frows.Err()
}

// matching returns the entries that contain every word as a word or the
// beginning of one, ascending.
func (idx *searchIndex) matching(words []string) []int32 {
	var result []int32
	for n, w := range words {
		// Every vocabulary word starting with w: a contiguous run.
		lo := sort.SearchStrings(idx.vocab, w)
		var set []int32
		for i := lo; i < len(idx.vocab) && strings.HasPrefix(idx.vocab[i], w); i++ {
			set = append(set, idx.posting[idx.vocab[i]]...)
		}
		slices.Sort(set)
		set = slices.Compact(set)
		if n == 0 {
			result = set
		} else {
			result = intersect(result, set)
		}
		if len(result) == 0 {
			return nil
		}
	}
	return result
}

func intersect(a, b []int32) []int32 {
	out := a[:0:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// keep reports whether an entry passes the query's filters.
func (e *entry) keep(q Query) bool {
	return (q.Field == "" || e.sum.Field == q.Field) &&
		(q.Online == "" || e.sum.OnlineLevel == q.Online) &&
		(q.Level == "" || slices.Contains(e.levels, q.Level)) &&
		(q.Agency == "" || slices.Contains(e.agencies, q.Agency)) &&
		(q.Applicant == "" || slices.Contains(e.applicant, q.Applicant))
}
