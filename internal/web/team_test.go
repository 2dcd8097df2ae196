package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

const teamPath = "/groups/code-creation/-/team"

func TestTeamPage(t *testing.T) {
	s := newSite(t)
	s.member("teamguest", cairn.AccessGuest)
	s.member("teamoutsider", 0)

	t.Run("Owner", func(t *testing.T) {
		p := s.as("emma").get(teamPath)
		p.want(t, http.StatusOK, `<h1>Team</h1>`,
			`href="#members"`, `href="#time-off"`, `href="#settings"`,
			"@tomas", "@aiko", "@lena", "@mateo", "@kwame", "@priya",
			`action="/groups/code-creation/-/team/members/`, `<option value="engineering_manager" selected>Engineering manager</option>`,
			`<option value="50" selected>Owner</option>`,
			`class="timeoff-form"`, `<select name="user_id"`, `<table class="calendar">`,
			`action="/groups/code-creation/-/team/settings"`, "Save planning settings")
		for _, k := range []string{"workflow_labels", "refinement_label", "ready_label", "priority_labels", "deliverable_label", "stretch_label",
			"planning_label", "weights", "refinement_share", "other_share", "stretch_share", "velocity_window", "default_velocity",
			"finalize_lead_days", "retro_due_days", "status_update_weekday", "status_update_time", "auto_close_milestones", "holidays",
			"time_zone", "ready_gate", "cadence.interval", "cadence.start_day", "cadence.title_format", "milestones_ahead", "planning_project"} {
			if !p.Has(`name="` + k + `"`) {
				t.Errorf("the settings form has no field %s", k)
			}
		}
		if p.Has("<fieldset disabled>") || !p.Has(`id="webhooks"`) {
			t.Error("the owner's settings are read-only, or the owner has no webhooks section")
		}
	})
	t.Run("Developer", func(t *testing.T) {
		tomas, _ := s.st.UserByUsername(context.Background(), "tomas")
		p := s.as("tomas").get(teamPath)
		p.want(t, http.StatusOK, "@emma", "<td>Owner</td>", "<fieldset disabled>", "you can read them here",
			`class="timeoff-form"`, `<input type="hidden" name="user_id" value="`+strconv.FormatInt(tomas.ID, 10)+`">`)
		if p.Has(`action="/groups/code-creation/-/team/members/`) || p.Has("Save planning settings") || p.Has(`<select name="user_id"`) {
			t.Error("a developer sees member, settings or others' time-off controls")
		}
	})
	t.Run("Guest", func(t *testing.T) {
		p := s.as("teamguest").get(teamPath)
		p.want(t, http.StatusOK, "@teamguest", "<fieldset disabled>")
		if p.Has(`class="timeoff-form"`) {
			t.Error("a guest may add time off")
		}
	})
	t.Run("Outsider", func(t *testing.T) {
		s.as("teamoutsider").get(teamPath).want(t, http.StatusNotFound)
		p := s.anonymous().get(teamPath)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/users/sign_in") {
			t.Fatalf("anonymous: %d %s", p.Status, p.Location)
		}
	})
}

func memberPath(t *testing.T, s *site, username string) string {
	t.Helper()
	u, err := s.st.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return teamPath + "/members/" + strconv.FormatInt(u.ID, 10)
}

func membership(t *testing.T, s *site, username string) *cairn.Member {
	t.Helper()
	u, err := s.st.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.st.Member(context.Background(), demoTeam(t, s).ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTeamMembers(t *testing.T) {
	s := newSite(t)
	s.member("memberoutsider", 0)
	form := func(level, role, capacity string) url.Values {
		return url.Values{"access_level": {level}, "planning_role": {role}, "capacity_factor": {capacity}, "joined_at": {"2026-03-22"}}
	}

	t.Run("MaintainerEdits", func(t *testing.T) {
		p := s.as("priya").post(memberPath(t, s, "tomas"), form("30", "engineer", "0.5"))
		if p.Status != http.StatusSeeOther || p.Location != teamPath+"#members" {
			t.Fatalf("status %d, location %q; body %.500s", p.Status, p.Location, p.Body)
		}
		if m := membership(t, s, "tomas"); m.CapacityFactor != 0.5 || m.AccessLevel != cairn.AccessDeveloper || m.PlanningRole != cairn.RoleEngineer {
			t.Fatalf("tomas is now %+v", m)
		}
		s.as("priya").get(teamPath).want(t, http.StatusOK, `id="member-`, `value="0.5"`)
	})
	t.Run("MaintainerMayNotTouchOwners", func(t *testing.T) {
		priya := s.as("priya")
		priya.post(memberPath(t, s, "emma"), form("40", "engineering_manager", "0")).want(t, http.StatusForbidden)
		priya.post(memberPath(t, s, "aiko"), form("50", "engineer", "1")).want(t, http.StatusForbidden)
		if m := membership(t, s, "aiko"); m.AccessLevel != cairn.AccessDeveloper {
			t.Fatalf("aiko became %d", m.AccessLevel)
		}
		if m := membership(t, s, "emma"); m.AccessLevel != cairn.AccessOwner {
			t.Fatalf("emma became %d", m.AccessLevel)
		}
		p := priya.get(teamPath)
		p.want(t, http.StatusOK, "<td>Owner</td>", "Owners only")
		if p.Has(`<option value="50"`) {
			t.Error("a maintainer is offered the owner level")
		}
	})
	t.Run("OthersMayNotEdit", func(t *testing.T) {
		s.as("tomas").post(memberPath(t, s, "aiko"), form("30", "engineer", "0.2")).want(t, http.StatusForbidden)
		s.as("memberoutsider").post(memberPath(t, s, "aiko"), form("30", "engineer", "0.2")).want(t, http.StatusNotFound)
		if m := membership(t, s, "aiko"); m.CapacityFactor != 1 {
			t.Fatalf("aiko's capacity factor became %v", m.CapacityFactor)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		emma := s.as("emma")
		for _, tc := range []struct {
			name string
			form url.Values
			msg  string
		}{
			{"ErrCapacityRange", form("30", "engineer", "1.5"), "capacity_factor must be between 0 and 1"},
			{"ErrCapacityNumber", form("30", "engineer", "lots"), "capacity_factor must be a number between 0 and 1"},
			{"ErrRole", form("30", "wizard", "1"), "planning_role must be engineer, engineering_manager, product_manager or guest"},
			{"ErrLevel", form("35", "engineer", "1"), "access_level must be 10, 20, 30, 40 or 50"},
			{"ErrJoined", url.Values{"joined_at": {"March"}}, "joined_at must be a date like 2026-01-31"},
			{"ErrNothing", url.Values{}, "Choose an access level"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := emma.post(memberPath(t, s, "lena"), tc.form)
				p.want(t, http.StatusUnprocessableEntity, "The membership of lena was not changed", tc.msg, `role="alert"`)
				if c := tc.form.Get("capacity_factor"); c != "" && !p.Has(`value="`+c+`"`) {
					t.Errorf("the refused value %q is not shown again", c)
				}
			})
		}
		if m := membership(t, s, "lena"); m.CapacityFactor != 1 || m.PlanningRole != cairn.RoleEngineer {
			t.Fatalf("a refused change changed lena: %+v", m)
		}
	})
	t.Run("LastOwner", func(t *testing.T) {
		s.as("emma").post(memberPath(t, s, "emma"), form("40", "engineering_manager", "0")).want(t, http.StatusConflict, "The membership of emma was not changed")
		if m := membership(t, s, "emma"); m.AccessLevel != cairn.AccessOwner {
			t.Fatalf("the last owner was demoted: %d", m.AccessLevel)
		}
	})
	t.Run("NotAMember", func(t *testing.T) {
		s.as("emma").post(memberPath(t, s, "memberoutsider"), form("30", "engineer", "1")).want(t, http.StatusNotFound)
		s.as("emma").post(teamPath+"/members/abc", form("30", "engineer", "1")).want(t, http.StatusNotFound)
	})
}

// timeOff lists the demo team's time off of a user.
func timeOff(t *testing.T, s *site, username string) []*cairn.TimeOff {
	t.Helper()
	u, err := s.st.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := s.p.ListTimeOff(context.Background(), demoTeam(t, s).ID, planner.TimeOffFilter{UserID: u.ID, Page: cairn.Page{PerPage: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func findTimeOff(list []*cairn.TimeOff, note string) *cairn.TimeOff {
	for _, t := range list {
		if t.Note == note {
			return t
		}
	}
	return nil
}

func TestTeamTimeOff(t *testing.T) {
	s := newSite(t)
	s.member("offguest", cairn.AccessGuest)
	outsider := s.member("offoutsider", 0)
	aiko, _ := s.st.UserByUsername(context.Background(), "aiko")
	aikoID := strconv.FormatInt(aiko.ID, 10)
	add := teamPath + "/time_off"

	t.Run("OwnAsDeveloper", func(t *testing.T) {
		p := s.as("tomas").post(add, url.Values{"start_date": {"2026-11-23"}, "end_date": {"2026-11-25"}, "note": {"Conference"}})
		if p.Status != http.StatusSeeOther || p.Location != teamPath+"#time-off" {
			t.Fatalf("status %d, location %q; body %.800s", p.Status, p.Location, p.Body)
		}
		if findTimeOff(timeOff(t, s, "tomas"), "Conference") == nil {
			t.Fatal("tomas's time off was not recorded")
		}
		page := s.as("tomas").get(teamPath)
		page.want(t, http.StatusOK, "<td>2026-11-23</td><td>2026-11-25</td>", "Conference", `<td class="num">3</td>`,
			`title="tomas off, Monday 23 November 2026: Conference"`)
	})
	t.Run("OthersNeedAManager", func(t *testing.T) {
		s.as("tomas").post(add, url.Values{"user_id": {aikoID}, "start_date": {"2026-11-24"}, "note": {"Not mine"}}).want(t, http.StatusForbidden)
		s.as("offguest").post(add, url.Values{"start_date": {"2026-11-24"}, "note": {"Guest"}}).want(t, http.StatusForbidden)
		s.as("offoutsider").post(add, url.Values{"start_date": {"2026-11-24"}}).want(t, http.StatusNotFound)
		if findTimeOff(timeOff(t, s, "aiko"), "Not mine") != nil || findTimeOff(timeOff(t, s, "offguest"), "Guest") != nil {
			t.Fatal("refused time off was recorded")
		}
		p := s.as("emma").post(add, url.Values{"user_id": {aikoID}, "start_date": {"2026-11-30"}, "end_date": {"2026-12-04"}, "half_day": {"1"}, "note": {"Mornings off"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("status %d; body %.800s", p.Status, p.Body)
		}
		got := findTimeOff(timeOff(t, s, "aiko"), "Mornings off")
		if got == nil || !got.HalfDay || got.EndDate != "2026-12-04" {
			t.Fatalf("aiko's time off: %+v", got)
		}
		s.as("emma").get(teamPath).want(t, http.StatusOK, "Mornings off", `<td class="num">2.5 <span class="hint">(half days)</span></td>`, `td class="half"`)
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			form url.Values
			msg  string
		}{
			{"ErrEndBeforeStart", url.Values{"start_date": {"2026-11-25"}, "end_date": {"2026-11-23"}, "note": {"Backwards"}}, "end_date must be on or after start_date"},
			{"ErrNoStart", url.Values{"note": {"Whenever"}}, "start_date is missing"},
			{"ErrBadDate", url.Values{"start_date": {"tomorrow"}, "note": {"Soon"}}, "start_date must be a date like 2026-12-31"},
			{"ErrNotAMember", url.Values{"user_id": {strconv.FormatInt(outsider.ID, 10)}, "start_date": {"2026-11-24"}, "note": {"Outsider"}}, "user_id is not a member of the group"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := s.as("emma").post(add, tc.form)
				p.want(t, http.StatusUnprocessableEntity, "The time off was not added", tc.msg, `value="`+tc.form.Get("note")+`"`, `aria-invalid="true"`)
			})
		}
	})
	t.Run("Remove", func(t *testing.T) {
		own := findTimeOff(timeOff(t, s, "tomas"), "Conference")
		aikos := findTimeOff(timeOff(t, s, "aiko"), "Mornings off")
		if own == nil || aikos == nil {
			t.Fatal("the entries to remove are missing")
		}
		del := func(id int64) string { return fmt.Sprintf("%s/time_off/%d/delete", teamPath, id) }
		s.as("tomas").post(del(aikos.ID), nil).want(t, http.StatusForbidden)
		s.as("offguest").post(del(own.ID), nil).want(t, http.StatusForbidden)
		if p := s.as("tomas").post(del(own.ID), nil); p.Status != http.StatusSeeOther {
			t.Fatalf("removing one's own: %d", p.Status)
		}
		if p := s.as("emma").post(del(aikos.ID), nil); p.Status != http.StatusSeeOther {
			t.Fatalf("a manager removing aiko's: %d", p.Status)
		}
		if findTimeOff(timeOff(t, s, "tomas"), "Conference") != nil || findTimeOff(timeOff(t, s, "aiko"), "Mornings off") != nil {
			t.Fatal("removed time off is still there")
		}
		s.as("emma").post(del(own.ID), nil).want(t, http.StatusNotFound)
		s.as("emma").post(teamPath+"/time_off/abc/delete", nil).want(t, http.StatusNotFound)
		s.as("emma").get(teamPath).want(t, http.StatusOK, "No upcoming time off.")
	})
}

// settingsForm is the settings form as a browser sends it for st: every
// field, lists one per line, weights with commas, checkboxes only when on.
func settingsForm(st planning.Settings) url.Values {
	v := url.Values{}
	ints := make([]string, len(st.Weights))
	for i, w := range st.Weights {
		ints[i] = strconv.Itoa(w)
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	v.Set("workflow_labels", strings.Join(st.WorkflowLabels, "\r\n"))
	v.Set("refinement_label", st.RefinementLabel)
	v.Set("ready_label", st.ReadyLabel)
	v.Set("priority_labels", strings.Join(st.PriorityLabels, "\r\n"))
	v.Set("deliverable_label", st.DeliverableLabel)
	v.Set("stretch_label", st.StretchLabel)
	v.Set("planning_label", st.PlanningLabel)
	v.Set("weights", strings.Join(ints, ", "))
	v.Set("refinement_share", num(st.RefinementShare))
	v.Set("other_share", num(st.OtherShare))
	v.Set("stretch_share", num(st.StretchShare))
	v.Set("velocity_window", strconv.Itoa(st.VelocityWindow))
	v.Set("default_velocity", num(st.DefaultVelocity))
	v.Set("finalize_lead_days", strconv.Itoa(st.FinalizeLeadDays))
	v.Set("retro_due_days", strconv.Itoa(st.RetroDueDays))
	v.Set("status_update_weekday", st.StatusUpdateWeekday)
	v.Set("status_update_time", st.StatusUpdateTime)
	v.Set("holidays", strings.Join(st.Holidays, "\r\n"))
	v.Set("time_zone", st.TimeZone)
	v.Set("cadence.interval", st.Cadence.Interval)
	v.Set("cadence.start_day", strconv.Itoa(st.Cadence.StartDay))
	v.Set("cadence.title_format", st.Cadence.TitleFormat)
	v.Set("milestones_ahead", strconv.Itoa(st.MilestonesAhead))
	v.Set("planning_project", st.PlanningProject)
	if st.ReadyGate {
		v.Set("ready_gate", "true")
	}
	if st.AutoCloseMilestones {
		v.Set("auto_close_milestones", "true")
	}
	return v
}

func TestTeamSettings(t *testing.T) {
	s := newSite(t)
	s.member("settingsoutsider", 0)
	g := demoTeam(t, s)
	before, err := s.p.Settings(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	post := teamPath + "/settings"

	t.Run("Unchanged", func(t *testing.T) {
		if p := s.as("emma").post(post, settingsForm(before)); p.Status != http.StatusSeeOther || p.Location != teamPath+"#settings" {
			t.Fatalf("status %d, location %q; body %.1500s", p.Status, p.Location, p.Body)
		}
		after, _ := s.p.Settings(context.Background(), g.ID)
		if !reflect.DeepEqual(after, before) {
			t.Fatalf("posting the form as shown changed the settings:\n%+v\n%+v", after, before)
		}
	})
	t.Run("FieldErrors", func(t *testing.T) {
		f := settingsForm(before)
		f.Set("stretch_share", "2")
		f.Set("weights", "3, 2")
		f.Set("holidays", "2026-12-25\r\nnot-a-date")
		f.Set("ready_label", "workflow::nowhere")
		f.Set("time_zone", "Mars/Olympus")
		p := s.as("emma").post(post, f)
		p.want(t, http.StatusUnprocessableEntity, "The planning settings were not saved: 5 problems",
			`<span class="field-error" id="setting-stretch-share-error">must be between 0 and 1 (0.2 means 20% of team capacity)</span>`,
			`<span class="field-error" id="setting-weights-error">weights must be positive and strictly increasing, like 1, 2, 3, 5</span>`,
			`<span class="field-error" id="setting-holidays-error">line 2: not a date: &#34;not-a-date&#34; (use YYYY-MM-DD, like 2026-12-25)</span>`,
			`<span class="field-error" id="setting-ready-label-error">&#34;workflow::nowhere&#34; is not one of workflow_labels</span>`,
			`<span class="field-error" id="setting-time-zone-error">unknown time zone &#34;Mars/Olympus&#34;</span>`,
			"not-a-date</textarea>", `value="3, 2"`, `aria-describedby="setting-weights-help setting-weights-error" aria-invalid="true"`)
		after, _ := s.p.Settings(context.Background(), g.ID)
		if !reflect.DeepEqual(after, before) {
			t.Fatal("refused settings were saved")
		}
	})
	t.Run("TypeErrors", func(t *testing.T) {
		f := settingsForm(before)
		f.Set("velocity_window", "three")
		f.Set("default_velocity", "")
		s.as("emma").post(post, f).want(t, http.StatusUnprocessableEntity,
			`id="setting-velocity-window-error">must be a whole number</span>`, `id="setting-default-velocity-error">must be a number, like 0.2</span>`,
			`value="three"`)
	})
	t.Run("Save", func(t *testing.T) {
		f := settingsForm(before)
		f.Set("stretch_share", "0.25")
		f.Set("holidays", "2026-12-24\n\n 2026-12-25 ")
		f.Del("ready_gate")
		f.Set("status_update_weekday", "Thursday")
		if p := s.as("priya").post(post, f); p.Status != http.StatusSeeOther {
			t.Fatalf("a product manager saving settings: %d; body %.1500s", p.Status, p.Body)
		}
		want := before
		want.StretchShare = 0.25
		want.Holidays = []string{"2026-12-24", "2026-12-25"}
		want.ReadyGate = false
		want.StatusUpdateWeekday = "Thursday"
		after, _ := s.p.Settings(context.Background(), g.ID)
		if !reflect.DeepEqual(after, want) {
			t.Fatalf("saved settings:\n got %+v\nwant %+v", after, want)
		}
		s.as("emma").get(teamPath).want(t, http.StatusOK, `<option value="Thursday" selected>Thursday</option>`, ">2026-12-24\n2026-12-25</textarea>")
	})
	t.Run("Permissions", func(t *testing.T) {
		f := settingsForm(before)
		f.Set("stretch_share", "0.5")
		s.as("tomas").post(post, f).want(t, http.StatusForbidden)
		s.as("settingsoutsider").post(post, f).want(t, http.StatusNotFound)
		after, _ := s.p.Settings(context.Background(), g.ID)
		if after.StretchShare == 0.5 {
			t.Fatal("a refused user changed the settings")
		}
	})
}
