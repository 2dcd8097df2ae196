package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// The team page: the members with their access level, planning role and
// capacity factor (editable by maintainers and owners), the team's time
// off as a calendar and a list (reporters add and remove their own,
// managers anyone's), and the planning settings form (managers; others
// read it). Each section is a block of templates/team.html; the page's
// table of contents and its sections come from teamPage.Sections, so a
// section (webhooks) is added with one entry there and one block.

const (
	// membersPerPage is the members shown per page (and in the calendar
	// and the time-off form's choice).
	membersPerPage = cairn.MaxPerPage
	// timeOffPerPage is the upcoming time-off entries per page.
	timeOffPerPage = 20
	// calendarDays is the span of the time-off calendar: six weeks from
	// this week's Monday.
	calendarDays = 42
)

// teamSection is one section of the team page: its anchor and heading
// (also its entry in the page's table of contents). templates/team.html
// renders each by its ID.
type teamSection struct {
	ID, Title string
}

// teamPage is the data of the team page.
type teamPage struct {
	Scope *teamScope
	// Sections are the page's sections in order. A webhooks section goes
	// after the settings: {ID: "webhooks", Title: "Webhooks"} here, its
	// data beside, and its branch in team.html.
	Sections []teamSection

	Members      []*memberRow
	MembersPager teamPager
	// CanEditMembers: maintainers and up (AdminMembers).
	CanEditMembers bool

	// Planning is false when the server runs without the planner: no time
	// off and no settings then.
	Planning bool
	Today    string
	TimeOff  []*timeOffRow
	// TimeOffPager pages the upcoming entries (?time_off_page=).
	TimeOffPager teamPager
	Calendar     *timeOffCalendar
	// CanAddTimeOff: one's own (ProposePlanning) or anyone's
	// (ManagePlanning, CanManageTimeOff).
	CanAddTimeOff    bool
	CanManageTimeOff bool
	TimeOffForm      timeOffForm

	// Webhooks is the webhooks section, for owners only (nil otherwise).
	Webhooks *webhooksSection

	Settings        *settingsForm
	CanEditSettings bool
}

// teamPager links the pages of a list of the team page.
type teamPager struct {
	Label       string
	Page, Pages int
	Prev, Next  string
}

// newTeamPager returns the pager of page p of a list of total items, per
// page, whose links set param (the page has two lists) on r's query.
func newTeamPager(r *http.Request, label, param string, p, per, total int) teamPager {
	pages := max(1, (total+per-1)/per)
	pg := teamPager{Label: label, Page: p, Pages: pages}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set(param, strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if p > 1 {
		pg.Prev = link(p - 1)
	}
	if p < pages {
		pg.Next = link(p + 1)
	}
	return pg
}

// memberRow is a member's row, with its edit form's values.
type memberRow struct {
	*cairn.Member
	// Editable: the viewer may change this membership (maintainers may
	// not touch owners).
	Editable bool
	Levels   []teamOption
	Roles    []teamOption
	Capacity string
	Joined   string
	// Error is why the last change was refused.
	Error string
}

// timeOffRow is an upcoming time-off entry.
type timeOffRow struct {
	*cairn.TimeOff
	// Days are its working days (weekends and holidays not counted).
	Days      string
	CanDelete bool
}

// timeOffForm is the add form's values and problems.
type timeOffForm struct {
	UserID             int64
	Start, End, Note   string
	HalfDay, Coverage  bool
	Errors             map[string]string
	Members            []*cairn.Member
	OwnOnly            bool
	OwnName, OwnHandle string
}

// timeOffCalendar is the six-week calendar of the team's time off.
type timeOffCalendar struct {
	// Span names the days shown, "16 Nov – 27 Dec 2026".
	Span string
	Days []calendarDay
	Rows []calendarRow
	// Off reports whether anyone is off in the span.
	Off bool
}

// calendarDay is a column of the calendar.
type calendarDay struct {
	Date, Day, Weekday, Label, Class string
}

// calendarRow is a member's line of the calendar.
type calendarRow struct {
	Member *cairn.Member
	Cells  []calendarCell
}

// calendarCell is one member's day.
type calendarCell struct {
	Class, Text, Title string
}

var teamAccessLevels = []struct {
	Level int
	Name  string
}{
	{cairn.AccessGuest, "Guest"}, {cairn.AccessReporter, "Reporter"}, {cairn.AccessDeveloper, "Developer"},
	{cairn.AccessMaintainer, "Maintainer"}, {cairn.AccessOwner, "Owner"},
}

var teamPlanningRoles = []struct{ Role, Name string }{
	{cairn.RoleEngineer, "Engineer"}, {cairn.RoleEngineeringManager, "Engineering manager"},
	{cairn.RoleProductManager, "Product manager"}, {cairn.RoleGuest, "Guest (no capacity)"},
}

// LevelName names the member's access level.
func (row *memberRow) LevelName() string { return teamAccessLevelName(row.AccessLevel) }

// RoleName names the member's planning role.
func (row *memberRow) RoleName() string { return teamPlanningRoleName(row.PlanningRole) }

// teamAccessLevelName names a GitLab access level.
func teamAccessLevelName(level int) string {
	for _, l := range teamAccessLevels {
		if l.Level == level {
			return l.Name
		}
	}
	return strconv.Itoa(level)
}

// teamPlanningRoleName names a planning role.
func teamPlanningRoleName(role string) string {
	for _, r := range teamPlanningRoles {
		if r.Role == role {
			return r.Name
		}
	}
	if role == "" {
		return "—"
	}
	return role
}

// teamState carries what a refused form sends back into the page.
type teamState struct {
	status int
	errMsg string
	// member is the refused member change: its row shows the values sent.
	member     *memberRow
	timeOff    *timeOffForm
	settings   map[string]string
	settingErr map[string]string
	// webhook is a refused webhook form.
	webhook *webhookForm
}

// teamPage serves GET /groups/{group}/-/team.
func (w *Web) teamPage(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	return w.renderTeam(rw, r, s, teamState{status: http.StatusOK})
}

// renderTeam renders the team page, with a refused form's state.
func (w *Web) renderTeam(rw http.ResponseWriter, r *http.Request, s *teamScope, st teamState) error {
	ctx := r.Context()
	g := s.Group
	data := &teamPage{Scope: s, CanEditMembers: s.Can(access.AdminMembers), Planning: w.planner != nil}
	data.Sections = []teamSection{{"members", "Members"}}

	page := teamQueryPage(r, "page")
	members, total, err := w.store.ListMembers(ctx, g.ID, cairn.Page{Page: page, PerPage: membersPerPage})
	if err != nil {
		return err
	}
	data.MembersPager = newTeamPager(r, "Member pages", "page", max(page, 1), membersPerPage, total.Count)
	for _, m := range members {
		row := newMemberRow(s, m)
		if st.member != nil && st.member.User.ID == m.User.ID {
			row = st.member
		}
		data.Members = append(data.Members, row)
	}

	if w.planner != nil {
		data.Sections = append(data.Sections, teamSection{"time-off", "Time off"}, teamSection{"settings", "Planning settings"})
		settings, serr := w.planner.Settings(ctx, g.ID)
		if serr != nil && cairn.ErrorCode(serr) != cairn.EINVALID {
			return serr
		}
		if err := w.loadTimeOff(ctx, r, s, data, settings, members); err != nil {
			return err
		}
		data.CanEditSettings = s.Can(access.ManagePlanning)
		data.Settings = newSettingsForm(settings, st.settings, st.settingErr)
		if serr != nil {
			// Stored settings a newer release refuses: the form shows
			// them and saving repairs them.
			data.Settings.Error = serr.Error()
		} else if msg := st.settingErr[""]; msg != "" {
			data.Settings.Error = msg
		}
		data.TimeOffForm = w.newTimeOffForm(s, members, st.timeOff)
	}
	if s.Can(access.ManageWebhooks) {
		if data.Webhooks, err = w.loadWebhooks(ctx, g.ID, st.webhook); err != nil {
			return err
		}
		data.Sections = append(data.Sections, teamSection{"webhooks", "Webhooks"})
	}
	w.render(rw, r, st.status, "team.html", &Page{Title: "Team · " + g.Name, Section: "team", Group: g, Data: data, Error: st.errMsg})
	return nil
}

// teamQueryPage reads a positive page number; 1 for anything else.
func teamQueryPage(r *http.Request, name string) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// newMemberRow is a member's row as stored.
func newMemberRow(s *teamScope, m *cairn.Member) *memberRow {
	row := &memberRow{Member: m, Capacity: strconv.FormatFloat(m.CapacityFactor, 'f', -1, 64), Joined: m.JoinedAt}
	row.Editable = s.Can(access.AdminMembers) && access.ManagesLevels(s.User, s.Level, m.AccessLevel)
	row.setOptions(s, m.AccessLevel, m.PlanningRole)
	return row
}

// setOptions fills the row's choices with level and role selected; the
// owner level only for those who may hand it out.
func (row *memberRow) setOptions(s *teamScope, level int, role string) {
	row.Levels, row.Roles = nil, nil
	for _, l := range teamAccessLevels {
		if l.Level != level && !access.ManagesLevels(s.User, s.Level, l.Level) {
			continue
		}
		row.Levels = append(row.Levels, teamOption{Value: strconv.Itoa(l.Level), Label: l.Name, Selected: l.Level == level})
	}
	if !cairn.ValidPlanningRole(role) {
		row.Roles = append(row.Roles, teamOption{Value: "", Label: "—", Selected: true})
	}
	for _, p := range teamPlanningRoles {
		row.Roles = append(row.Roles, teamOption{Value: p.Role, Label: p.Name, Selected: p.Role == role})
	}
}

// loadTimeOff fills the time-off section: the upcoming entries (a page),
// and the calendar of the members shown.
func (w *Web) loadTimeOff(ctx context.Context, r *http.Request, s *teamScope, data *teamPage, settings planning.Settings, members []*cairn.Member) error {
	loc, err := settings.Location()
	if err != nil {
		loc = time.UTC
	}
	now := w.planner.Now().In(loc)
	today := now.Format(cairn.DateLayout)
	data.Today = today
	data.CanManageTimeOff = s.Can(access.ManagePlanning)
	data.CanAddTimeOff = data.CanManageTimeOff || s.Can(access.ProposePlanning)

	page := teamQueryPage(r, "time_off_page")
	// Upcoming: the entries that end today or later.
	list, total, err := w.planner.ListTimeOff(ctx, s.Group.ID, planner.TimeOffFilter{From: today, Page: cairn.Page{Page: page, PerPage: timeOffPerPage}})
	if err != nil {
		return err
	}
	data.TimeOffPager = newTeamPager(r, "Time off pages", "time_off_page", page, timeOffPerPage, total.Count)
	for _, t := range list {
		row := &timeOffRow{TimeOff: t}
		if n, err := planning.TimeOffDays([]planning.TimeOff{{UserID: userID(t.User), StartDate: t.StartDate, EndDate: t.EndDate, HalfDay: t.HalfDay}},
			t.StartDate, t.EndDate, settings.Holidays); err == nil {
			row.Days = strconv.FormatFloat(n, 'f', -1, 64)
		}
		row.CanDelete = data.CanManageTimeOff || (t.User != nil && t.User.ID == s.User.ID && s.Can(access.ProposePlanning))
		data.TimeOff = append(data.TimeOff, row)
	}

	// The calendar: six weeks from this week's Monday.
	monday := now.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	start := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, calendarDays-1)
	entries, err := w.store.TimeOffBetween(ctx, s.Group.ID, start.Format(cairn.DateLayout), end.Format(cairn.DateLayout))
	if err != nil {
		return err
	}
	data.Calendar = newTimeOffCalendar(start, today, settings.Holidays, members, entries)
	return nil
}

// newTimeOffCalendar lays out the members' time off over calendarDays
// days from start: a full day beats a half day on the same date, as
// capacity counts them.
func newTimeOffCalendar(start time.Time, today string, holidays []string, members []*cairn.Member, entries []*cairn.TimeOff) *timeOffCalendar {
	cal := &timeOffCalendar{Span: start.Format("2 Jan") + " – " + start.AddDate(0, 0, calendarDays-1).Format("2 Jan 2006")}
	isHoliday := map[string]bool{}
	for _, h := range holidays {
		isHoliday[h] = true
	}
	for i := range calendarDays {
		d := start.AddDate(0, 0, i)
		date := d.Format(cairn.DateLayout)
		var class []string
		if d.Weekday() == time.Monday {
			class = append(class, "week-start")
		}
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			class = append(class, "weekend")
		}
		if isHoliday[date] {
			class = append(class, "holiday")
		}
		if date == today {
			class = append(class, "today")
		}
		cal.Days = append(cal.Days, calendarDay{Date: date, Day: strconv.Itoa(d.Day()), Weekday: d.Weekday().String()[:1],
			Label: d.Format("Monday 2 January 2006"), Class: strings.Join(class, " ")})
	}
	byUser := map[int64][]*cairn.TimeOff{}
	for _, t := range entries {
		if t.User != nil {
			byUser[t.User.ID] = append(byUser[t.User.ID], t)
		}
	}
	for _, m := range members {
		row := calendarRow{Member: m, Cells: make([]calendarCell, calendarDays)}
		full, half := make([]bool, calendarDays), make([]bool, calendarDays)
		notes := make([]string, calendarDays)
		for _, t := range byUser[m.User.ID] {
			for i, d := range cal.Days {
				if d.Date < t.StartDate || d.Date > t.EndDate {
					continue
				}
				if t.HalfDay {
					half[i] = true
				} else {
					full[i] = true
				}
				if t.Note != "" && notes[i] == "" {
					notes[i] = t.Note
				}
			}
		}
		for i, d := range cal.Days {
			c := calendarCell{Class: d.Class}
			switch {
			case full[i]:
				c.Class, c.Text = strings.TrimSpace(c.Class+" off"), "off"
			case half[i]:
				c.Class, c.Text = strings.TrimSpace(c.Class+" half"), "half day off"
			}
			if c.Text != "" {
				cal.Off = true
				c.Title = m.User.Username + " " + c.Text + ", " + d.Label
				if notes[i] != "" {
					c.Title += ": " + notes[i]
				}
			}
			row.Cells[i] = c
		}
		cal.Rows = append(cal.Rows, row)
	}
	return cal
}

// newTimeOffForm is the add form: the values of a refused form, or the
// defaults (oneself).
func (w *Web) newTimeOffForm(s *teamScope, members []*cairn.Member, sent *timeOffForm) timeOffForm {
	f := timeOffForm{UserID: s.User.ID}
	if sent != nil {
		f = *sent
	}
	f.OwnOnly = !s.Can(access.ManagePlanning)
	f.OwnName, f.OwnHandle = s.User.Name, s.User.Username
	if !f.OwnOnly {
		f.Members = members
	}
	return f
}

// teamURL is the team page's path, with an anchor.
func teamURL(g *cairn.Group, anchor string) string {
	return "/groups/" + url.PathEscape(g.Path) + "/-/team#" + anchor
}

// teamFieldErrors returns an EINVALID error's messages per field ("" for
// one that names none), or nil for other errors.
func teamFieldErrors(err error) map[string]string {
	var e *cairn.Error
	if !errors.As(err, &e) || e.Code != cairn.EINVALID {
		return nil
	}
	out := map[string]string{}
	for k, msgs := range e.Fields {
		out[k] = strings.Join(msgs, "; ")
	}
	if e.Param != "" {
		msg := strings.TrimPrefix(e.Message, e.Param+" ")
		out[e.Param] = msg
	}
	if len(out) == 0 {
		out[""] = e.Error()
	}
	return out
}

// teamMember serves POST /groups/{group}/-/team/members/{user_id}: the
// API's member update (PUT /groups/:id/members/:user_id) from the members
// table, with its rules: maintainers and up, and only owners touch
// owners.
func (w *Web) teamMember(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.AdminMembers)
	if err != nil {
		return err
	}
	uid, err := pathInt(r, "user_id", "Member")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	cur, err := w.store.Member(ctx, s.Group.ID, uid)
	if err != nil {
		return err
	}
	row := &memberRow{Member: cur, Editable: true,
		Capacity: strings.TrimSpace(r.PostFormValue("capacity_factor")), Joined: strings.TrimSpace(r.PostFormValue("joined_at"))}
	level, role := cur.AccessLevel, cur.PlanningRole
	up, perr := memberUpdate(r, &level, &role)
	row.setOptions(s, level, role)
	if perr == nil {
		perr = up.Validate()
	}
	if perr == nil && !access.ManagesLevels(s.User, s.Level, cur.AccessLevel, level) {
		return &cairn.Error{Code: cairn.EFORBIDDEN}
	}
	if perr == nil {
		_, perr = w.store.UpdateMember(ctx, s.Group.ID, uid, up)
	}
	switch cairn.ErrorCode(perr) {
	case "":
		http.Redirect(rw, r, teamURL(s.Group, "members"), http.StatusSeeOther)
		return nil
	case cairn.EINVALID, cairn.ECONFLICT:
		row.Error = cairn.ErrorMessage(perr)
		status := http.StatusUnprocessableEntity
		if cairn.ErrorCode(perr) == cairn.ECONFLICT {
			status = http.StatusConflict
		}
		return w.renderTeam(rw, r, s, teamState{status: status, member: row,
			errMsg: "The membership of " + cur.User.Username + " was not changed: " + row.Error})
	}
	return perr
}

// memberUpdate reads the member form as the API reads its parameters:
// fields left empty do not change. level and role are set to what was
// sent, for showing the form again.
func memberUpdate(r *http.Request, level *int, role *string) (cairn.MemberUpdate, error) {
	var up cairn.MemberUpdate
	if v := strings.TrimSpace(r.PostFormValue("access_level")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return up, cairn.FieldError("access_level", "must be 10, 20, 30, 40 or 50")
		}
		up.AccessLevel, *level = &n, n
	}
	if v := strings.TrimSpace(r.PostFormValue("planning_role")); v != "" {
		up.PlanningRole, *role = &v, v
	}
	if v := strings.TrimSpace(r.PostFormValue("capacity_factor")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return up, cairn.FieldError("capacity_factor", "must be a number between 0 and 1")
		}
		up.CapacityFactor = &f
	}
	if v := strings.TrimSpace(r.PostFormValue("joined_at")); v != "" {
		up.JoinedAt = &v
	}
	if up.AccessLevel == nil && up.PlanningRole == nil && up.CapacityFactor == nil && up.JoinedAt == nil {
		return up, &cairn.Error{Code: cairn.EINVALID, Param: "access_level", Message: "Choose an access level, a planning role, a capacity factor or a joining date to change."}
	}
	return up, nil
}

// teamAddTimeOff serves POST /groups/{group}/-/team/time_off: the API's
// POST /groups/:id/time_off, with its rules — reporters and up add their
// own time off, managers and owners anyone's, for members only.
func (w *Web) teamAddTimeOff(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	if w.planner == nil {
		return cairn.NotFound("Time Off")
	}
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	f := &timeOffForm{UserID: s.User.ID, Start: strings.TrimSpace(r.PostFormValue("start_date")), End: strings.TrimSpace(r.PostFormValue("end_date")),
		Note: r.PostFormValue("note"), HalfDay: r.PostFormValue("half_day") != "", Coverage: r.PostFormValue("create_coverage_issue") != ""}
	if v := strings.TrimSpace(r.PostFormValue("user_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return cairn.NotFound("User")
		}
		f.UserID = id
	}
	if f.UserID == s.User.ID {
		if !s.Can(access.ProposePlanning) && !s.Can(access.ManagePlanning) {
			return &cairn.Error{Code: cairn.EFORBIDDEN}
		}
	} else if !s.Can(access.ManagePlanning) {
		return &cairn.Error{Code: cairn.EFORBIDDEN}
	}
	in := cairn.TimeOffCreate{GroupID: s.Group.ID, UserID: f.UserID, StartDate: f.Start, EndDate: f.End, HalfDay: f.HalfDay,
		Note: f.Note, CreateCoverageIssue: f.Coverage}
	err = in.Validate()
	if err == nil {
		if _, merr := w.store.Member(ctx, s.Group.ID, f.UserID); cairn.ErrorCode(merr) == cairn.ENOTFOUND {
			err = cairn.FieldError("user_id", "is not a member of the group")
		} else if merr != nil {
			return merr
		}
	}
	if err == nil {
		_, err = w.planner.AddTimeOff(ctx, in)
	}
	if cairn.ErrorCode(err) == cairn.EINVALID {
		f.Errors = teamFieldErrors(err)
		return w.renderTeam(rw, r, s, teamState{status: http.StatusUnprocessableEntity, timeOff: f,
			errMsg: "The time off was not added: " + cairn.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, teamURL(s.Group, "time-off"), http.StatusSeeOther)
	return nil
}

// teamDeleteTimeOff serves POST /groups/{group}/-/team/time_off/{id}/delete:
// the API's DELETE /groups/:id/time_off/:time_off_id — reporters and up
// remove their own entries, managers and owners anyone's.
func (w *Web) teamDeleteTimeOff(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	if w.planner == nil {
		return cairn.NotFound("Time Off")
	}
	id, err := pathInt(r, "id", "Time Off")
	if err != nil {
		return err
	}
	if !s.Can(access.ManagePlanning) {
		t, err := w.store.TimeOffByID(ctx, s.Group.ID, id)
		if err != nil {
			return err
		}
		if t.User == nil || t.User.ID != s.User.ID || !s.Can(access.ProposePlanning) {
			return &cairn.Error{Code: cairn.EFORBIDDEN}
		}
	}
	if _, err := w.planner.DeleteTimeOff(ctx, s.Group.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, teamURL(s.Group, "time-off"), http.StatusSeeOther)
	return nil
}

// teamSettings serves POST /groups/{group}/-/team/settings: the API's PUT
// /groups/:id/planning_settings with every setting of the form, for
// managers and owners. A refusal shows the form again with what was sent
// and a message under each bad field.
func (w *Web) teamSettings(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ManagePlanning)
	if err != nil {
		return err
	}
	if w.planner == nil {
		return cairn.NotFound("Planning settings")
	}
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	values := settingsFormValues(r.PostFormValue)
	patch, problems := settingsPatch(values)
	if len(problems) == 0 {
		_, err = w.planner.UpdateSettings(r.Context(), s.Group.ID, patch)
		if cairn.ErrorCode(err) == cairn.EINVALID {
			problems = settingProblems(err)
		} else if err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		msg := "The planning settings were not saved: " + plural(len(problems), "problem") + ", marked below."
		if len(problems) == 1 && problems[""] != "" {
			msg = "The planning settings were not saved: " + problems[""]
		}
		return w.renderTeam(rw, r, s, teamState{status: http.StatusUnprocessableEntity, errMsg: msg, settings: values, settingErr: problems})
	}
	http.Redirect(rw, r, teamURL(s.Group, "settings"), http.StatusSeeOther)
	return nil
}
