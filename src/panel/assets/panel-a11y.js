// Accessibility fixes for AdminJS's own widgets, which the panel cannot pass props to: labels tied
// to the inputs they name (react-select inputs, filter inputs), names for icon-only buttons. Runs on
// every panel page (AdminJS `assets.scripts`, our own origin, so the CSP allows it) and again after
// each render, batched to one pass per frame.
;(function () {
  var uid = 0
  function idOf(element, prefix) {
    if (!element.id) element.id = prefix + '-' + ++uid
    return element.id
  }
  function labelled(input) {
    return input.getAttribute('aria-label') || input.getAttribute('aria-labelledby') || (input.id && document.querySelector('label[for="' + CSS.escape(input.id) + '"]'))
  }
  // The label just before an input in its form group (AdminJS puts it there, untied): the nearest
  // <label> among the preceding siblings of the input or of one of its ancestors, stopping at a
  // sibling that holds another input (that label is someone else's).
  function groupLabel(input) {
    for (var node = input, depth = 0; node && node !== document.body && depth < 8; node = node.parentElement, depth++) {
      for (var sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
        if (sibling.tagName === 'LABEL') return sibling
        var inner = sibling.querySelectorAll('label')
        if (inner.length) return inner[inner.length - 1]
        if (sibling.querySelector('input, textarea, select')) return null
      }
    }
    return null
  }
  // A list row's checkbox: named after the row's first text cell ("Select acme-01").
  function rowCheckboxName(input) {
    var row = input.closest('tr')
    if (!row) return null
    if (row.closest('thead')) return 'Select all rows on this page'
    var cells = row.querySelectorAll('td')
    for (var i = 0; i < cells.length; i++) {
      var text = (cells[i].innerText || '').trim()
      if (text) return 'Select ' + text.split('\n')[0].slice(0, 60)
    }
    return 'Select this row'
  }
  // A drawer slid out of view (AdminJS keeps the filter drawer in the page, moved off-screen) is
  // taken out of the tab order and the accessibility tree until it slides back in.
  function hideClosedDrawers() {
    document.querySelectorAll('.adminjs_Drawer, [class*=Drawer_Filter]').forEach(function (drawer) {
      var box = drawer.getBoundingClientRect()
      var closed = box.left >= window.innerWidth - 1
      if (closed && !drawer.inert) {
        drawer.inert = true
        drawer.setAttribute('aria-hidden', 'true')
      } else if (!closed && drawer.inert) {
        drawer.inert = false
        drawer.removeAttribute('aria-hidden')
      }
    })
  }
  var BUTTON_NAMES = { first: 'First page', previous: 'Previous page', next: 'Next page', last: 'Last page' }
  function iconName(button) {
    var test = button.getAttribute('data-testid')
    if (test && BUTTON_NAMES[test]) return BUTTON_NAMES[test]
    var icon = button.querySelector('svg')
    var type = icon && (icon.getAttribute('data-icon') || icon.getAttribute('class') || '')
    if (/eye/i.test(type)) return 'Show or hide the password'
    if (/more|dots/i.test(type)) return 'More actions'
    if (/filter/i.test(type)) return 'Filter'
    if (/x|close/i.test(type)) return 'Close'
    if (/menu/i.test(type)) return 'Menu'
    if (!button.children.length && button.parentElement && button.parentElement.querySelector('h1, h2, h3')) return 'Close'
    var group = groupLabel(button)
    if (group && button.closest('section') && button.closest('section').querySelector('input[type=password]')) return 'Show or hide the password'
    return null
  }
  // An action's drawer that opens takes the focus (its back arrow first, then its content), and
  // gives it back to what opened it when it closes, so a keyboard user is not left behind it.
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])'
  var openDrawer = null
  var opener = null
  function focusOpenedDrawer() {
    var drawer = document.querySelector('#drawerPortalWrapper section')
    if (drawer && !drawer.inert && drawer !== openDrawer) {
      // Until its content is drawn there is nothing to focus: the next pass tries again.
      if (drawer.contains(document.activeElement)) openDrawer = drawer
      var first = drawer.querySelector(FOCUSABLE)
      if (!first || openDrawer === drawer) return
      var before = document.activeElement
      first.focus()
      if (document.activeElement !== first) return
      opener = before
      openDrawer = drawer
    } else if (!drawer && openDrawer) {
      openDrawer = null
      if (opener && opener.isConnected && (!document.activeElement || document.activeElement === document.body)) opener.focus()
      opener = null
    }
  }
  function fix() {
    hideClosedDrawers()
    focusOpenedDrawer()
    document.querySelectorAll('input:not([type=hidden]), textarea, select').forEach(function (input) {
      if (labelled(input)) return
      if (input.type === 'checkbox' && input.closest('td, th')) {
        input.setAttribute('aria-label', rowCheckboxName(input))
        return
      }
      var label = groupLabel(input)
      if (!label) return
      if (!label.htmlFor && !label.querySelector('input, textarea, select')) label.htmlFor = idOf(input, 'field')
      if (label.htmlFor !== input.id) input.setAttribute('aria-labelledby', idOf(label, 'label'))
    })
    document.querySelectorAll('button, [role=button]').forEach(function (button) {
      if (button.getAttribute('aria-label') || (button.textContent || '').trim() || button.getAttribute('title')) return
      var name = iconName(button)
      if (name) button.setAttribute('aria-label', name)
    })
  }
  var queued = false
  function schedule() {
    if (queued) return
    queued = true
    requestAnimationFrame(function () {
      queued = false
      fix()
    })
  }
  // Esc closes an action's drawer (Export, Import, Edit all matching) as its back arrow does, unless
  // something inside it took the key first (an open select menu prevents its default).
  function closeDrawerOnEscape(event) {
    if (event.key !== 'Escape' || event.defaultPrevented) return
    var back = document.querySelector('#drawerPortalWrapper .adminjs_ActionHeader h3 a[href]')
    if (!back || back.closest('[inert]')) return
    event.preventDefault()
    back.click()
  }
  function start() {
    fix()
    document.addEventListener('keydown', closeDrawerOnEscape)
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] })
    document.addEventListener('transitionend', schedule, true)
    document.addEventListener('transitionstart', function () { setTimeout(schedule, 0) }, true)
    window.addEventListener('resize', schedule)
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
