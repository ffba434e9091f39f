package dossier

import (
	"slices"

	"github.com/motcua/motcua/internal/authz"
)

// Status is a dossier's internal state; the national portal's ten codes
// are derived from it (External).
type Status string

// The states.
const (
	Draft               Status = "draft"                // online, not yet submitted
	Submitted           Status = "submitted"            // online, waiting for reception
	ReceptionSupplement Status = "reception_supplement" // incomplete at reception: the applicant completes it
	Rejected            Status = "rejected"             // refused at reception
	Processing          Status = "processing"           // accepted, going through the process
	Supplement          Status = "supplement"           // paused: waiting for the applicant's supplement
	AwaitingPayment     Status = "awaiting_payment"     // paused: waiting for fees
	Consulting          Status = "consulting"           // waiting for other agencies' opinions
	Refused             Status = "refused"              // refused after appraisal: the refusal is the result
	ResultReady         Status = "result_ready"         // result issued, waiting to be returned
	Withdrawn           Status = "withdrawn"            // the applicant withdrew: processing stopped
	Returned            Status = "returned"             // result returned to the applicant
)

// External is the status code of the national portal (DESIGN §3.3).
func (s Status) External() int {
	switch s {
	case Draft, Submitted:
		return 1 // Mới đăng ký
	case Rejected:
		return 3 // Không được tiếp nhận
	case Processing, Consulting:
		return 4 // Đang xử lý
	case ReceptionSupplement, Supplement:
		return 5 // Yêu cầu bổ sung giấy tờ
	case AwaitingPayment:
		return 6 // Yêu cầu thực hiện nghĩa vụ tài chính
	case Withdrawn:
		return 8 // Dừng xử lý (after 7, Công dân yêu cầu rút hồ sơ)
	case Refused, ResultReady:
		return 9 // Đã xử lý xong
	case Returned:
		return 10 // Đã trả kết quả
	}
	return 0
}

// Active reports whether processing can still go on.
func (s Status) Active() bool {
	switch s {
	case Rejected, Refused, ResultReady, Withdrawn, Returned:
		return false
	}
	return true
}

// Paused reports whether the clock is stopped in s.
func (s Status) Paused() bool {
	return s == Supplement || s == AwaitingPayment || s == ReceptionSupplement
}

// Action is something done to a dossier.
type Action string

// The actions of the lifecycle.
const (
	Submit                Action = "submit"
	Receive               Action = "receive" // registered at the counter (an event, not a transition)
	Accept                Action = "accept"
	RequestSupplementDesk Action = "request_supplement_at_reception"
	RejectAtDesk          Action = "reject"
	Resubmit              Action = "resubmit"
	Assign                Action = "assign"
	Claim                 Action = "claim"
	Forward               Action = "forward"
	SendBack              Action = "send_back"
	RequestSupplement     Action = "request_supplement"
	SupplementReceived    Action = "supplement_received"
	Consult               Action = "consult"
	Answer                Action = "answer_consultation"
	RequestPayment        Action = "request_payment"
	MarkPaid              Action = "mark_paid"
	Refuse                Action = "refuse"
	Approve               Action = "approve"
	Sign                  Action = "sign"
	IssueResult           Action = "issue_result"
	Extend                Action = "extend"
	Withdraw              Action = "withdraw"
	ReturnResult          Action = "return_result"
	Rate                  Action = "rate"
)

// transition is what an action may do: from which states, to which, and
// which roles may do it. A nil role list means the applicant.
type transition struct {
	from  []Status
	to    Status // "" = stays
	roles []authz.Role
}

var applicant []authz.Role

var transitions = map[Action]transition{
	Submit:                {[]Status{Draft}, Submitted, applicant},
	Accept:                {[]Status{Submitted}, Processing, []authz.Role{authz.ReceptionOfficer}},
	RequestSupplementDesk: {[]Status{Submitted}, ReceptionSupplement, []authz.Role{authz.ReceptionOfficer}},
	RejectAtDesk:          {[]Status{Submitted}, Rejected, []authz.Role{authz.ReceptionOfficer}},
	Resubmit:              {[]Status{ReceptionSupplement}, Submitted, []authz.Role{authz.ReceptionOfficer}},
	Assign:                {[]Status{Processing}, "", []authz.Role{authz.UnitHead}},
	Claim:                 {[]Status{Processing}, "", []authz.Role{authz.Specialist, authz.UnitHead, authz.Leader, authz.ReceptionOfficer}},
	Forward:               {[]Status{Processing}, "", []authz.Role{authz.ReceptionOfficer, authz.Specialist, authz.UnitHead, authz.Leader}},
	SendBack:              {[]Status{Processing}, "", []authz.Role{authz.Specialist, authz.UnitHead, authz.Leader}},
	RequestSupplement:     {[]Status{Processing}, Supplement, []authz.Role{authz.Specialist}},
	SupplementReceived:    {[]Status{Supplement}, Processing, []authz.Role{authz.ReceptionOfficer}},
	Consult:               {[]Status{Processing}, Consulting, []authz.Role{authz.Specialist}},
	Answer:                {[]Status{Consulting}, "", []authz.Role{authz.Specialist, authz.UnitHead, authz.Leader}},
	RequestPayment:        {[]Status{Processing}, AwaitingPayment, []authz.Role{authz.Specialist, authz.ReceptionOfficer}},
	MarkPaid:              {[]Status{AwaitingPayment}, Processing, []authz.Role{authz.ReceptionOfficer}},
	Refuse:                {[]Status{Processing}, Refused, []authz.Role{authz.UnitHead, authz.Leader}},
	Approve:               {[]Status{Processing}, "", []authz.Role{authz.UnitHead}},
	Sign:                  {[]Status{Processing}, "", []authz.Role{authz.Leader}},
	IssueResult:           {[]Status{Processing}, ResultReady, []authz.Role{authz.Specialist, authz.ReceptionOfficer}},
	Extend:                {[]Status{Processing, Consulting}, "", []authz.Role{authz.UnitHead, authz.Leader}},
	Withdraw:              {[]Status{Submitted, ReceptionSupplement, Processing, Supplement, AwaitingPayment, Consulting}, Withdrawn, []authz.Role{authz.ReceptionOfficer}},
	ReturnResult:          {[]Status{ResultReady, Refused}, Returned, []authz.Role{authz.ReceptionOfficer}},
	Rate:                  {[]Status{Returned}, "", applicant},
}

// Allowed reports whether action a may be taken on a dossier in state s,
// and the state it leads to.
func Allowed(a Action, s Status) (Status, bool) {
	t, ok := transitions[a]
	if !ok || !slices.Contains(t.from, s) {
		return "", false
	}
	if t.to == "" {
		return s, true
	}
	return t.to, true
}

// Roles returns the roles that may take action a; nil means the applicant
// (withdrawal may be done by either).
func Roles(a Action) []authz.Role { return transitions[a].roles }

// ByApplicant reports whether the applicant may take action a themselves
// (for resubmission and withdrawal, the desk may also do it for them).
func ByApplicant(a Action) bool {
	return transitions[a].roles == nil || a == Withdraw || a == Resubmit
}
