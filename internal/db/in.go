package db

import "strings"

// In returns the placeholders and arguments of an IN list of vs: a query
// says `WHERE id IN (`+marks+`)` and passes args. vs must not be empty.
func In[T any](vs []T) (marks string, args []any) {
	args = make([]any, len(vs))
	for i, v := range vs {
		args[i] = v
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(vs)), ", "), args
}
