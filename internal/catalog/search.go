package catalog

import (
	"context"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/fold"
)

// Query is a catalogue search: words (with or without diacritics, any
// case) and filters, one page of results.
type Query struct {
	Text      string
	Field     string
	Level     string
	Agency    string // electronic code of an implementing or receiving agency
	Applicant string
	Online    string
	Page      int // from 1
	PerPage   int
}

// Summary is a procedure in a result list.
type Summary struct {
	Code        string
	NameVI      string
	NameEN      string
	Field       string
	OnlineLevel string
	Version     int
}

// Results is one page of a search.
type Results struct {
	Items   []Summary
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages of results.
func (r Results) Pages() int {
	if r.PerPage <= 0 {
		return 0
	}
	return (r.Total + r.PerPage - 1) / r.PerPage
}

// maxQueryWords bounds the words a search uses: enough for any real query,
// and a 1,000-character paste cannot turn into a thousand-term query.
const maxQueryWords = 12

// maxMatches bounds how many full-text matches are ranked: more than any
// person pages through, and it keeps the ranking cost flat.
const maxMatches = 2000

// Search finds published procedures. Words are folded (no diacritics, lower
// case) and only letters and digits reach the full-text engine, so quotes,
// operators and SQL in the input are just text. Matches in the name come
// first: the name equal to the words, then the words as a phrase in the
// name, then all words in the name, then matches elsewhere; within each
// rank, the engine's relevance, then the shorter name.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	const op = "catalog.Search"
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 20
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	res := Results{Page: q.Page, PerPage: q.PerPage, Items: []Summary{}}
	words := fold.Words(q.Text)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	where, args := filters(q)
	d := s.db.Dialect()
	var ids []int64
	if len(words) == 0 {
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM procedures p JOIN procedure_versions v ON v.id = p.current_version_id
			WHERE NOT p.withdrawn`+where, args...).Scan(&res.Total); err != nil {
			return res, errs.Wrap(op, err)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT v.id FROM procedures p JOIN procedure_versions v ON v.id = p.current_version_id
			WHERE NOT p.withdrawn`+where+` ORDER BY v.folded_name, p.code LIMIT ? OFFSET ?`, append(args, q.PerPage, (q.Page-1)*q.PerPage)...)
		if err != nil {
			return res, errs.Wrap(op, err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
	} else {
		var sqlq string
		var match string
		if d == db.Postgres {
			match = strings.Join(words, ":* & ") + ":*"
			sqlq = `SELECT v.id, v.folded_name, ts_rank(v.search, to_tsquery('simple', ?)) AS r
				FROM procedures p JOIN procedure_versions v ON v.id = p.current_version_id
				WHERE NOT p.withdrawn AND v.search @@ to_tsquery('simple', ?)` + where + ` ORDER BY r DESC LIMIT ?`
			args = append([]any{match, match}, args...)
		} else {
			match = `"` + strings.Join(words, `"* "`) + `"*`
			sqlq = `SELECT v.id, v.folded_name, -bm25(procedure_search, 10.0, 1.0) AS r
				FROM procedure_search JOIN procedure_versions v ON v.id = procedure_search.rowid
				JOIN procedures p ON p.current_version_id = v.id
				WHERE procedure_search MATCH ? AND NOT p.withdrawn` + where + ` ORDER BY r DESC LIMIT ?`
			args = append([]any{match}, args...)
		}
		rows, err := s.db.QueryContext(ctx, sqlq, append(args, maxMatches)...)
		if err != nil {
			return res, errs.Wrap(op, err)
		}
		type hit struct {
			id   int64
			name string
			tier int
			r    float64
		}
		var hits []hit
		phrase := strings.Join(words, " ")
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.id, &h.name, &h.r); err != nil {
				rows.Close()
				return res, errs.Wrap(op, err)
			}
			h.tier = nameTier(h.name, phrase, words)
			hits = append(hits, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, errs.Wrap(op, err)
		}
		slices.SortStableFunc(hits, func(a, b hit) int {
			switch {
			case a.tier != b.tier:
				return a.tier - b.tier
			case a.r != b.r:
				if a.r > b.r {
					return -1
				}
				return 1
			}
			return len(a.name) - len(b.name)
		})
		res.Total = len(hits)
		for i := (q.Page - 1) * q.PerPage; i < len(hits) && i < q.Page*q.PerPage; i++ {
			ids = append(ids, hits[i].id)
		}
	}
	items, err := s.summaries(ctx, ids)
	if err != nil {
		return res, errs.Wrap(op, err)
	}
	res.Items = items
	return res, nil
}

// nameTier ranks how well the folded name matches the words; lower is better.
func nameTier(name, phrase string, words []string) int {
	bare := strings.TrimPrefix(name, "thu tuc ")
	switch {
	case name == phrase || bare == phrase:
		return 0
	case strings.Contains(" "+name+" ", " "+phrase+" "):
		return 1
	}
	nameWords := strings.Fields(name)
	all := true
	for _, w := range words {
		found := false
		for _, nw := range nameWords {
			if strings.HasPrefix(nw, w) {
				found = true
				break
			}
		}
		all = all && found
	}
	if all {
		return 2
	}
	return 3
}

// filters turns the query's filters into SQL over the alias v.
func filters(q Query) (string, []any) {
	var b strings.Builder
	var args []any
	if q.Field != "" {
		b.WriteString(` AND v.field_code = ?`)
		args = append(args, q.Field)
	}
	if q.Online != "" {
		b.WriteString(` AND v.online_level = ?`)
		args = append(args, q.Online)
	}
	for _, f := range []struct{ facet, value string }{{"level", q.Level}, {"agency", q.Agency}, {"applicant", q.Applicant}} {
		if f.value != "" {
			b.WriteString(` AND v.id IN (SELECT version_id FROM procedure_facets WHERE facet = ? AND value = ?)`)
			args = append(args, f.facet, f.value)
		}
	}
	return b.String(), args
}

// summaries loads the list entries of versions, in the order of ids.
func (s *Service) summaries(ctx context.Context, ids []int64) ([]Summary, error) {
	out := make([]Summary, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, p.code, v.name_vi, v.name_en, v.field_code, v.online_level, v.number
		FROM procedure_versions v JOIN procedures p ON p.id = v.procedure_id WHERE v.id IN (`+ph+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]Summary{}
	for rows.Next() {
		var id int64
		var sm Summary
		if err := rows.Scan(&id, &sm.Code, &sm.NameVI, &sm.NameEN, &sm.Field, &sm.OnlineLevel, &sm.Version); err != nil {
			return nil, err
		}
		byID[id] = sm
	}
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, rows.Err()
}
