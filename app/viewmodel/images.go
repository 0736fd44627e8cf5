package viewmodel

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// FolderEntry is one line of the counter's image picker: a sub-folder or
// an image file.
type FolderEntry struct {
	Name string
	Path string
	Dir  bool
}

// imageExts are the files the picker offers.
var imageExts = []string{".png", ".jpg", ".jpeg", ".gif"}

// ListImages lists dir's sub-folders (not hidden ones) and image files,
// folders first, each by name.
func ListImages(dir string) ([]FolderEntry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []FolderEntry
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		e := FolderEntry{Name: name, Path: filepath.Join(dir, name), Dir: de.IsDir()}
		if e.Dir || slices.Contains(imageExts, strings.ToLower(filepath.Ext(name))) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b FolderEntry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// ReadImageFiles scans the QR code of each image file in turn (the parts
// of one share, in any order) and returns the progress after the last,
// whether a token was completed (the result is in Result), and a plain
// sentence for each file that could not be read.
func (c *Counter) ReadImageFiles(paths []string) (progress string, done bool, problems []string) {
	for _, p := range paths {
		img, err := qrtext.DecodeImageFile(p)
		if errors.Is(err, qrtext.ErrImageTooLarge) {
			problems = append(problems, filepath.Base(p)+": "+lang.L("The image is too large. Send a smaller photo or a screenshot."))
			continue
		}
		if err != nil {
			problems = append(problems, filepath.Base(p)+": "+lang.L("This file is not an image that can be read."))
			continue
		}
		pr, d, err := c.ReadImage(img)
		if err != nil {
			problems = append(problems, filepath.Base(p)+": "+err.Error())
			continue
		}
		progress, done = pr, d
	}
	return progress, done, problems
}
