import React, { useEffect, useMemo, useState } from 'react'
import { Box, MessageBox } from '@adminjs/design-system'
import { useCurrentAdmin, useTranslation } from 'adminjs'
import { useDispatch, useSelector } from 'react-redux'
import { localizeUtcTimes, zoneOf } from './date-time.js'

// AdminJS's notices, as its own NoticeBox draws them (gone after three seconds, or closed), with one
// change: a moment the server names in UTC ("changed by … at 2026-12-06 23:25 UTC") reads as every
// other time in the panel (date-time.js).
const SECONDS_SHOWN = 3

const Notice = ({ notice, drop, progressed }) => {
  const { tm, i18n } = useTranslation()
  const [currentAdmin] = useCurrentAdmin()
  const [seconds, setSeconds] = useState(0)
  const zone = zoneOf(currentAdmin)
  const message = useMemo(() => localizeUtcTimes(tm(notice.message, notice.resourceId, notice.options), zone), [notice.id, i18n.language, zone])
  useEffect(() => {
    const timer = window.setInterval(() => setSeconds((elapsed) => elapsed + 1), 1000)
    return () => window.clearInterval(timer)
  }, [notice])
  useEffect(() => {
    progressed(Math.min(100, (seconds * 100) / SECONDS_SHOWN))
    if (seconds >= SECONDS_SHOWN) drop()
  }, [seconds])
  return (
    <MessageBox style={{ minWidth: '480px' }} message={message} variant={notice.type === 'error' ? 'danger' : notice.type ?? 'info'} onCloseClick={drop}>
      {notice.body}
    </MessageBox>
  )
}

const NoticeBox = () => {
  const notices = useSelector((state) => state.notices)
  const dispatch = useDispatch()
  if (!notices.length) return null
  return (
    <Box as="div" data-testid="notice-wrapper" data-css="notice-wrapper" flex flexDirection="column" p="sm" style={{ gap: 4 }}>
      {notices.map((notice) => (
        <Notice
          key={notice.id}
          notice={notice}
          drop={() => dispatch({ type: 'DROP_NOTICE', data: { noticeId: notice.id } })}
          progressed={(progress) => dispatch({ type: 'SET_NOTICE_PROGRESS', data: { noticeId: notice.id, progress } })}
        />
      ))}
    </Box>
  )
}

export default NoticeBox
