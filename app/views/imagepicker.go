package views

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// ImagePicker is the counter's own picker for photos and screenshots of
// QR codes: in Vietnamese, and several files at once (the parts of one
// share), which Fyne's file dialog allows neither of.
type ImagePicker struct {
	Dir    string
	Path   *widget.Label
	Checks map[string]*widget.Check // image path → its tick
	Up     *widget.Button
	list   *fyne.Container
	dialog *dialog.ConfirmDialog
}

// startDir is where the picker opens: the user's Pictures, Downloads or
// home folder, whichever exists first.
func startDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	for _, d := range []string{"Pictures", "Ảnh", "Downloads", "Desktop"} {
		if st, err := os.Stat(filepath.Join(home, d)); err == nil && st.IsDir() {
			return filepath.Join(home, d)
		}
	}
	return home
}

// newImagePicker shows the picker at dir; open gets the ticked files.
func newImagePicker(win fyne.Window, dir string, open func(paths []string), closed func()) *ImagePicker {
	p := &ImagePicker{Path: widget.NewLabel(""), list: container.NewVBox()}
	p.Path.Wrapping = fyne.TextWrapWord
	p.Up = newButtonWithIcon(lang.L("Up"), theme.MoveUpIcon(), func() { p.show(filepath.Dir(p.Dir)) })
	scroll := container.NewVScroll(p.list)
	scroll.SetMinSize(fyne.NewSize(320, 320))
	content := container.NewBorder(container.NewBorder(nil, nil, p.Up, nil, p.Path), nil, nil, nil, scroll)
	p.dialog = dialog.NewCustomConfirm(lang.L("Choose the QR code images"), lang.L("Open"), lang.L("Cancel"), content, func(ok bool) {
		defer closed()
		if !ok {
			return
		}
		var paths []string
		for _, e := range p.entries() {
			if c := p.Checks[e.Path]; c != nil && c.Checked {
				paths = append(paths, e.Path)
			}
		}
		open(paths)
	}, win)
	p.show(dir)
	p.dialog.Resize(fyne.NewSize(480, 560))
	p.dialog.Show()
	return p
}

func (p *ImagePicker) entries() []viewmodel.FolderEntry {
	es, _ := viewmodel.ListImages(p.Dir)
	return es
}

// show lists dir: folders to open, images to tick.
func (p *ImagePicker) show(dir string) {
	p.Dir = dir
	p.Path.SetText(dir)
	p.Checks = map[string]*widget.Check{}
	p.list.RemoveAll()
	es, err := viewmodel.ListImages(dir)
	if err != nil {
		p.list.Add(widget.NewLabel(lang.L("This folder cannot be opened.")))
	}
	if err == nil && len(es) == 0 {
		p.list.Add(widget.NewLabel(lang.L("No images in this folder.")))
	}
	for _, e := range es {
		if e.Dir {
			path := e.Path
			p.list.Add(newButtonWithIcon(e.Name, theme.FolderIcon(), func() { p.show(path) }))
			continue
		}
		c := newCheck(e.Name, nil)
		p.Checks[e.Path] = c
		p.list.Add(c)
	}
	p.list.Refresh()
}

// Confirm presses Open (for tests).
func (p *ImagePicker) Confirm() { p.dialog.Confirm() }
