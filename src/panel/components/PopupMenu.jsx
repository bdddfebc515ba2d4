import React, { useEffect, useRef, useState } from 'react'

// A click outside or Esc closes an open menu; Esc hands the focus back to the button that opened it.
function useOutsideClose(open, setOpen) {
  const ref = useRef(null)
  useEffect(() => {
    if (!open) return undefined
    const onDown = (event) => {
      if (ref.current && !ref.current.contains(event.target)) setOpen(false)
    }
    const onKey = (event) => {
      if (event.key === 'Escape') {
        setOpen(false)
        ref.current?.querySelector('[aria-haspopup]')?.focus()
      }
    }
    document.addEventListener('mousedown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('mousedown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])
  return ref
}

const MENU_ITEMS = 'a, button, input, select'

/**
 * A button that opens a small menu (row actions, columns); Esc or a click elsewhere closes it. Opened
 * from the keyboard it takes the focus to its first item, and the arrow keys (Home, End) move
 * between items, as menus do everywhere else.
 */
function PopupMenu({ label, title, children, testId }) {
  const [open, setOpen] = useState(false)
  const [byKeyboard, setByKeyboard] = useState(false)
  const ref = useOutsideClose(open, setOpen)
  const items = () => [...(ref.current?.querySelectorAll(`.lp-menu-list ${MENU_ITEMS.split(', ').join(', .lp-menu-list ')}`) ?? [])]
  useEffect(() => {
    if (open && byKeyboard) items()[0]?.focus()
  }, [open, byKeyboard])
  const onKeyDown = (event) => {
    event.stopPropagation()
    if (event.key === 'Escape' && open) {
      setOpen(false)
      ref.current?.querySelector('[aria-haspopup]')?.focus()
      return
    }
    // AdminJS renders an action that runs in place (Delete) as a link without an address, which
    // neither takes the focus nor answers Enter by itself.
    if ((event.key === 'Enter' || event.key === ' ') && event.target.matches?.('a[role=menuitem]:not([href])')) {
      event.preventDefault()
      event.target.click()
      return
    }
    if (!open || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return
    const all = items()
    if (!all.length) return
    event.preventDefault()
    const at = all.indexOf(document.activeElement)
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[event.key]
    all[(next + all.length) % all.length].focus()
  }
  return (
    <span className="lp-menu" ref={ref} onClick={(event) => event.stopPropagation()} onKeyDown={onKeyDown}>
      <button
        type="button"
        className="lp-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={title}
        title={title}
        // A click from Enter or Space has no pointer position (detail 0).
        onClick={(event) => {
          setByKeyboard(event.detail === 0)
          setOpen(!open)
        }}
        data-testid={testId}
      >
        {label}
      </button>
      {/* Kept in the page while closed (hidden), so the row's actions are there to be found. */}
      <div className="lp-menu-list" role="menu" hidden={!open}>
        {typeof children === 'function' ? children(() => setOpen(false)) : children}
      </div>
    </span>
  )
}

export default PopupMenu
