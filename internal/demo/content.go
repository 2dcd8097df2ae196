package demo

// The text the demo team writes: title templates per project and kind, and
// the pieces descriptions and comments are assembled from. "{lang}",
// "{ide}" and "{n}" are filled in from the lists below.

var langs = []string{"Go", "Python", "TypeScript", "Ruby", "Rust", "Java", "Kotlin", "C#", "PHP", "JavaScript", "C++", "Scala"}

var ides = []string{"VS Code", "JetBrains", "Neovim", "Visual Studio", "Eclipse"}

// titles holds the title templates of each project, by issue kind.
var titles = map[string]map[string][]string{
	"code-suggestions": {
		kindFeature: {
			"Support multi-line completions for {lang}",
			"Add open tabs as context for {lang} completions",
			"Stream code generation responses to the client",
			"Respect .gitignore when collecting repository context",
			"Include imported symbols in the {lang} completion context",
			"Detect generation intent from comments in {lang}",
			"Rank context snippets by relevance before truncation",
			"Strip duplicated closing brackets from {lang} suggestions",
			"Let administrators pick the code suggestions model",
			"Send the file's language server diagnostics as context",
			"Add a latency budget to completion requests",
			"Support fill-in-the-middle prompts for {lang}",
			"Cache completion results per file and cursor position",
			"Add repository X-Ray context for {lang} projects",
			"Allow disabling suggestions for generated files",
		},
		kindBug: {
			"Suggestions repeat the previous line in {lang} files",
			"Completion request times out for files over 5,000 lines",
			"Generated {lang} code ignores the file's indentation",
			"Code generation truncates output after 256 tokens",
			"Suggestions appear inside {lang} string literals",
			"Context collection fails for files with non-UTF-8 bytes",
			"Wrong language detected for {lang} files without extension",
			"Empty suggestion returned when the cursor is at end of file",
		},
		kindMaintenance: {
			"Remove the legacy completion endpoint",
			"Upgrade the tokenizer library to v{n}",
			"Add structured logging to the suggestions service",
			"Split the prompt builder into per-language modules",
			"Move completion feature flags to the new framework",
			"Add load tests for the code generation path",
			"Reduce allocations in context truncation",
		},
	},
	"duo-chat": {
		kindFeature: {
			"Add /explain for selected {lang} code",
			"Add /tests to generate {lang} unit tests",
			"Add /refactor slash command for {lang}",
			"Persist chat history across sessions",
			"Render Mermaid diagrams in chat answers",
			"Show sources for answers that quote documentation",
			"Let users rate an answer with thumbs up or down",
			"Support follow-up questions on the same code selection",
			"Add a button to insert a code block at the cursor",
			"Summarise long issue threads in chat",
			"Include the open merge request as chat context",
			"Stream chat answers token by token",
			"Add keyboard shortcut to open chat in {ide}",
		},
		kindBug: {
			"Chat loses the conversation when switching projects",
			"Code blocks in chat lose syntax highlighting for {lang}",
			"Chat answer cut off when it contains a table",
			"Slash command menu does not close on Escape",
			"Chat shows a generic error when the AI gateway times out",
			"Copy button copies line numbers along with the code",
			"Chat panel is blank after the token expires",
		},
		kindMaintenance: {
			"Migrate chat prompts to the prompt registry",
			"Remove the chat v1 API",
			"Add evaluation dataset for /explain answers in {lang}",
			"Upgrade the markdown renderer to v{n}",
			"Add tracing spans around chat tool calls",
			"Clean up unused chat feature flags",
		},
	},
	"ide-extensions": {
		kindFeature: {
			"{ide}: show suggestion status in the status bar",
			"{ide}: setting to disable suggestions per language",
			"{ide}: sign in with a personal access token",
			"{ide}: accept a suggestion word by word",
			"{ide}: show a walkthrough after installation",
			"{ide}: support self-managed instances with custom CA certificates",
			"{ide}: open chat from the editor context menu",
			"{ide}: cycle through alternative suggestions",
			"{ide}: add a snooze button for suggestions",
			"{ide}: report extension health in a diagnostics view",
		},
		kindBug: {
			"{ide}: ghost text flickers while typing quickly",
			"{ide}: extension fails to start behind an HTTP proxy",
			"{ide}: suggestions stop after the laptop wakes from sleep",
			"{ide}: status bar icon stays in loading state",
			"{ide}: token refresh loops when the instance URL has a trailing slash",
			"{ide}: high CPU usage with large monorepos",
			"{ide}: settings page does not save the instance URL",
		},
		kindMaintenance: {
			"{ide}: upgrade the extension API to the latest version",
			"Bump the language server to v{n}",
			"{ide}: add end-to-end smoke tests to CI",
			"Share the authentication module between the extensions",
			"{ide}: drop support for versions older than two years",
			"Publish the language server as a standalone binary",
		},
	},
}

var contextLines = map[string][]string{
	kindFeature: {
		"Customers keep asking for this in feedback sessions and it comes up in most enterprise evaluations.",
		"Today users have to work around this by hand, which breaks their flow and lowers the acceptance rate.",
		"This is part of the direction for the next two milestones: make suggestions aware of more of the user's context.",
		"Product analytics show a drop-off at exactly this step; closing the gap should raise weekly active users.",
		"Competing tools already offer this, and it is the most upvoted request on the feedback issue.",
	},
	kindBug: {
		"Reported by several users in the feedback issue and reproduced on the latest release.",
		"Support escalated this from a customer ticket; it happens reliably with the steps below.",
		"Found during dogfooding. It does not lose data, but it is very visible and erodes trust in the feature.",
		"Error tracking shows this started with the last release and affects a few percent of requests.",
	},
	kindMaintenance: {
		"This keeps slowing us down whenever we touch this area, and it blocks upcoming feature work.",
		"The dependency is out of support at the end of the quarter, so we need to move before then.",
		"Cleaning this up removes a class of flaky failures we see in CI every week.",
		"Observability here is poor: when something fails we cannot tell where the time goes.",
	},
}

var proposalLines = map[string][]string{
	kindFeature: {
		"Add the behaviour behind a feature flag, measure acceptance for a week, then enable it by default.",
		"Extend the request payload with the extra context and let the service decide how much of it fits the prompt.",
		"Start with the simplest version that covers the common case; leave configuration for a follow-up.",
		"Reuse the existing context collection pipeline and add one new source to it.",
	},
	kindBug: {
		"Add a regression test that reproduces the problem, then fix the handling in the client.",
		"Handle the edge case explicitly and log a warning so that we can see how often it happens.",
		"Validate the input before sending the request and fall back to the previous behaviour on error.",
	},
	kindMaintenance: {
		"Do the change in small merge requests behind a flag so that each step can be rolled back.",
		"Replace the old code path, keep the public behaviour identical, and delete the flag afterwards.",
		"Add the missing instrumentation first so that we can compare before and after.",
	},
}

var doneLines = map[string][]string{
	kindFeature: {
		"The behaviour is available behind a feature flag and documented",
		"Telemetry records when the new behaviour is used",
		"Acceptance rate does not drop in the canary group",
		"Tests cover the new code path",
		"The changelog entry is written",
	},
	kindBug: {
		"The steps to reproduce no longer show the problem",
		"A regression test covers the case",
		"The fix is verified on the latest release",
	},
	kindMaintenance: {
		"No change in user-facing behaviour",
		"CI is green and the old code path is removed",
		"Dashboards show the new metrics",
	},
}

var referenceLines = []string{
	"- Design discussion in the team's weekly sync notes",
	"- Feedback issue with customer comments",
	"- Architecture document for the AI gateway",
	"- Language server contribution guide",
	"- Telemetry dashboard for code suggestions",
	"- Previous attempt that was reverted",
}

var progressLines = []string{
	"The main change is in review; addressing the last comments.",
	"Implementation is about halfway; the client side is done, the service side is in progress.",
	"Spent most of the week on tests; found two edge cases we had missed.",
	"Pairing with a domain expert on the tricky part; prototype works locally.",
	"Merge request is open as a draft; CI is green.",
	"Finished the refactoring that this depends on; starting the actual change now.",
}

var nextLines = []string{
	"Get the merge request approved and merged.",
	"Finish the remaining acceptance criteria and ask for a review.",
	"Roll out behind the feature flag to the canary group.",
	"Write the documentation and the changelog entry.",
	"Address review feedback and verify on staging.",
}

var blockerLines = []string{
	"Waiting on the AI gateway team to deploy the new endpoint.",
	"Blocked on a review from the language server maintainers.",
	"Staging has been broken since Monday; cannot verify the change.",
}

var reviewComments = []string{
	"Merge request is ready for review. I kept the change behind the feature flag.",
	"Moving this to review. The tricky part is the fallback path; please look at that first.",
	"Ready for review. I added a regression test as described in the acceptance criteria.",
}

var pmComments = []string{
	"This is important for the upcoming release; customers have asked about it several times.",
	"Thanks for refining this! The scope looks right to me.",
	"Could we ship a smaller first iteration of this in the next milestone?",
	"Adding a priority label: this supports the enterprise rollout.",
}

// retroComments are what the team adds to a milestone's asynchronous
// retrospective, one item per comment.
var retroComments = []string{
	"**Went well:** refinement kept ahead of planning; every Deliverable had a weight before we finalised.",
	"**Went well:** the weekly status updates made it easy to see early what was at risk.",
	"**Didn't go well:** two reviews waited more than two days. Could we pair on reviews when a merge request is older than a day?",
	"**Didn't go well:** the carryover took more than we weighed it for; the remaining work was bigger than it looked.",
	"**Change:** let's split issues of weight 5 during refinement instead of carrying them.",
	"**Went well:** the parking lot caught the late request from support without derailing the plan.",
	"**Change:** put the blocked label on as soon as we wait on another team, so the board shows it.",
	"**Didn't go well:** a Stretch issue started before a Deliverable was done; let's finish Deliverables first.",
}
