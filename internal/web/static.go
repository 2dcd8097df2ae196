package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under /-/static/ with their
// content hash in the query string, so that browsers cache them for a year
// and a new release is fetched at once.
type assets struct {
	fs     fs.FS
	hashes map[string]string // file name → short content hash
}

func loadAssets() (*assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{fs: sub, hashes: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	return a, nil
}

// url returns the URL of a static file ("app.css").
func (a *assets) url(name string) string {
	return "/-/static/" + name + "?v=" + a.hashes[name]
}

// ServeHTTP serves GET /-/static/{path...}.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(strings.TrimPrefix(r.URL.Path, "/-/static/"))
	hash, ok := a.hashes[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := `"` + hash + `"`
	w.Header().Set("ETag", etag)
	if r.URL.Query().Get("v") == hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, a.fs, name)
}
