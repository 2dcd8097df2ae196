// Package planning is the arithmetic of milestone planning: working days,
// time off, historic velocity, capacity, carryover, the Deliverable / Stretch
// selection with its reasons, refinement gaps, "consider splitting" flags,
// the order of work inside a milestone, and when the scheduler's recurring
// steps are due (DueOccurrences). It follows
// shared/design/planning-model.md exactly; the rules that page leaves open are
// written down in docs/planning-rules.md.
//
// The package is pure: it does no I/O, reads no clock (today is always a
// parameter) and keeps no state. Callers load the team's data, convert it to
// the plain input structs here (FromIssue, FromMember and FromMilestone do it
// for the domain types) and render the output structs, which carry JSON tags
// in the API's snake_case.
//
// Dates are calendar dates in the team's time zone, written as "YYYY-MM-DD"
// strings everywhere (the domain's cairn.DateLayout). The functions parse them
// once and report a malformed one as an error that names it.
//
// Figures are kept unrounded. Round1 and Format1 give the one-decimal figure
// that is shown to people; comparisons always use the unrounded values.
package planning
