//go:build !darwin || cgo

package tray

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"fyne.io/systray"

	"github.com/lagp/lagp/assets"
)

// trayBuilt tells [HasDesktop] that this build has the tray.
const trayBuilt = true

// Run shows the tray and returns when the user chooses Quit or ctx ends. It must be called on
// the main goroutine (macOS runs the UI there). The server should already listen; if it does
// not, the tray binds it where the settings say. The caller shuts the server down afterwards.
func Run(ctx context.Context, d Deps) error {
	if ok, why := HasDesktop(); !ok {
		return fmt.Errorf("no desktop session for the tray: %s", why)
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := newApp(withSystemDefaults(d))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.quit = systray.Quit
	r := &trayRenderer{enqueue: a.enqueue, log: a.log}

	// P5: the StatusNotifierItem Id is fixed when the item is exported; set the title first.
	// On macOS the title is text beside the icon, which lagp does not want.
	if runtime.GOOS != "darwin" {
		systray.SetTitle("lagp")
	}
	a.start(ctx, r)
	done := make(chan struct{})
	onReady := func() {
		// P1: onReady must return at once; menu clients wait for it.
		go func() {
			defer close(done)
			a.loop(ctx)
		}()
		go keepRegistered(ctx, a.log, a.event)
		// systray runs onReady while it exports the item; an icon or tooltip set in between
		// is stored but never published. Publish them again once the export is surely done.
		time.AfterFunc(time.Second, func() { a.update(r.reapply) })
	}
	stop := context.AfterFunc(ctx, systray.Quit)
	defer stop()
	systray.Run(onReady, nil)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		a.log.Warn("tray loop did not stop in time")
	}
	return nil
}

// trayRenderer draws [Menu] values with fyne's systray. It rebuilds the whole menu when the
// shape changes (fyne cannot remove or move single items) and updates items in place when only
// labels, checkmarks or enabled states differ, which spares open menus a flicker.
type trayRenderer struct {
	enqueue func(Click)
	log     *slog.Logger

	shape   string              // shape of the rendered menu
	items   []*systray.MenuItem // rendered items, in tree order, visible ones only
	icon    assets.Icon
	tooltip string
	drawn   bool
}

// reapply publishes the current icon and tooltip again.
func (r *trayRenderer) reapply() {
	systray.SetTemplateIcon(assets.TrayTemplate(r.icon), assets.Tray(r.icon))
	systray.SetTooltip(r.tooltip)
}

// Render implements [renderer].
func (r *trayRenderer) Render(m Menu) {
	if !r.drawn || m.Icon != r.icon {
		systray.SetTemplateIcon(assets.TrayTemplate(m.Icon), assets.Tray(m.Icon))
		r.icon = m.Icon
	}
	systray.SetTooltip(m.Tooltip)
	r.tooltip = m.Tooltip
	shape := menuShape(m.Items)
	if r.drawn && shape == r.shape {
		r.update(visible(m.Items))
		return
	}
	r.shape, r.drawn = shape, true
	systray.ResetMenu()
	r.items = r.items[:0]
	r.add(nil, m.Items)
}

func (r *trayRenderer) add(parent *systray.MenuItem, items []Item) {
	for _, it := range items {
		switch {
		case it.Hidden:
			continue
		case it.Separator && parent == nil:
			systray.AddSeparator()
			continue
		case it.Separator:
			parent.AddSeparator()
			continue
		}
		mi := newItem(parent, it)
		if !it.Enabled {
			mi.Disable()
		}
		r.items = append(r.items, mi)
		if it.Action != "" {
			go r.forward(mi, Click{Action: it.Action, Arg: it.Arg})
		}
		r.add(mi, it.Children)
	}
}

func newItem(parent *systray.MenuItem, it Item) *systray.MenuItem {
	switch {
	case parent == nil && it.Checkable:
		return systray.AddMenuItemCheckbox(it.Label, "", it.Checked)
	case parent == nil:
		return systray.AddMenuItem(it.Label, "")
	case it.Checkable:
		return parent.AddSubMenuItemCheckbox(it.Label, "", it.Checked)
	default:
		return parent.AddSubMenuItem(it.Label, "")
	}
}

// update changes the rendered items in place; items lists the visible items in tree order,
// matching r.items because the shapes are equal.
func (r *trayRenderer) update(items []Item) {
	for i, it := range items {
		mi := r.items[i]
		mi.SetTitle(it.Label)
		if it.Enabled == mi.Disabled() {
			if it.Enabled {
				mi.Enable()
			} else {
				mi.Disable()
			}
		}
		if it.Checkable && it.Checked != mi.Checked() {
			if it.Checked {
				mi.Check()
			} else {
				mi.Uncheck()
			}
		}
	}
}

// forward passes clicks on mi to the event loop until the item is removed (its channel is
// closed). systray sends clicks without blocking, so this loop must never wait on anything
// but the queue's non-blocking enqueue (P3). Disabled items still deliver clicks (P4).
func (r *trayRenderer) forward(mi *systray.MenuItem, c Click) {
	for range mi.ClickedCh {
		if mi.Disabled() {
			continue
		}
		r.enqueue(c)
	}
}
