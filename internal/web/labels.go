package web

import (
	"context"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"

	"github.com/cairnhq/cairn"
)

// Label colours are user data, and the Content-Security-Policy allows no
// style attributes: each label gets a class named from its name, and the
// page's one nonce'd <style> element defines the classes of its team's
// labels.

// LabelStyle is one label's colour class.
type LabelStyle struct {
	Class      string
	Background string
	Text       string
}

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// labelClass is the CSS class of a label name.
func labelClass(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return "lbl-" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// labelStyles returns the colour classes of the group's labels and of its
// show in the default colour); on error, none (labels then show in the default colour).
func (w *Web) labelStyles(ctx context.Context, groupID int64) []LabelStyle {
	var out []LabelStyle
	seen := map[string]bool{}
	add := func(labels []*cairn.Label) {
		for _, l := range labels {
			c := labelClass(l.Name)
			if seen[c] || !hexColor.MatchString(l.Color) {
				continue
			}
			seen[c] = true
			out = append(out, LabelStyle{Class: c, Background: l.Color, Text: textOn(l.Color)})
		}
	}
	labels, _, err := w.store.ListGroupLabels(ctx, groupID, cairn.LabelFilter{Page: cairn.Page{PerPage: cairn.MaxPerPage}})
	if err != nil {
		w.logger.Warn("label colours", "group_id", groupID, "err", err)
		return nil
	}
	add(labels)
	return out
}

// textOn picks black or white text for a background colour, by its
// perceived lightness.
func textOn(bg string) string {
	var r, g, b int
	if _, err := fmt.Sscanf(bg, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return "#ffffff"
	}
	if 299*r+587*g+114*b > 150000 {
		return "#1f1e24"
	}
	return "#ffffff"
}
