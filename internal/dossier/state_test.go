package dossier

import "testing"

func TestTransitions(t *testing.T) {
	tests := []struct {
		a    Action
		from Status
		to   Status
		ok   bool
	}{
		{Submit, Draft, Submitted, true},
		{Accept, Submitted, Processing, true},
		{Accept, Processing, "", false},
		{RequestSupplementDesk, Submitted, ReceptionSupplement, true},
		{Resubmit, ReceptionSupplement, Submitted, true},
		{Forward, Processing, Processing, true},
		{Forward, Supplement, "", false},
		{Sign, Processing, Processing, true},
		{Sign, ResultReady, "", false},
		{RequestSupplement, Processing, Supplement, true},
		{SupplementReceived, Supplement, Processing, true},
		{MarkPaid, Processing, "", false},
		{IssueResult, Processing, ResultReady, true},
		{ReturnResult, ResultReady, Returned, true},
		{ReturnResult, Refused, Returned, true},
		{Withdraw, Returned, "", false},
		{Withdraw, Supplement, Withdrawn, true},
		{Rate, Returned, Returned, true},
		{Rate, ResultReady, "", false},
		{Action("fly"), Processing, "", false},
	}
	for _, tt := range tests {
		to, ok := Allowed(tt.a, tt.from)
		if ok != tt.ok || to != tt.to {
			t.Errorf("Allowed(%s, %s) = %s, %v; want %s, %v", tt.a, tt.from, to, ok, tt.to, tt.ok)
		}
	}
}

func TestExternalCodes(t *testing.T) {
	want := map[Status]int{Draft: 1, Submitted: 1, Rejected: 3, Processing: 4, Consulting: 4, Supplement: 5, ReceptionSupplement: 5,
		AwaitingPayment: 6, Withdrawn: 8, Refused: 9, ResultReady: 9, Returned: 10}
	for s, code := range want {
		if s.External() != code {
			t.Errorf("%s.External() = %d, want %d", s, s.External(), code)
		}
	}
	for _, s := range []Status{Draft, Submitted, ReceptionSupplement, Processing, Supplement, AwaitingPayment, Consulting} {
		if !s.Active() {
			t.Errorf("%s should be active", s)
		}
	}
	for _, s := range []Status{Rejected, Refused, ResultReady, Withdrawn, Returned} {
		if s.Active() {
			t.Errorf("%s should be final", s)
		}
	}
}
