import React, { useEffect, useRef, useState } from 'react'
import { Box, Button } from '@adminjs/design-system'
import { useParams } from 'react-router'
import { Link } from 'react-router-dom'

// AdminJS's record page, plus a way out when it shows "Not found, or not yours" (a typed-in id, a
// client handed to another manager): a link back to the list the record would be in.
const NOT_FOUND = '[data-testid="NoRecordError"], [data-testid="NoActionError"], [data-testid="NoResourceError"]'

const RecordActionRoute = ({ OriginalComponent, ...props }) => {
  const ref = useRef(null)
  const [notFound, setNotFound] = useState(false)
  const { resourceId } = useParams()
  useEffect(() => {
    const element = ref.current
    if (!element) return undefined
    const check = () => setNotFound(Boolean(element.querySelector(NOT_FOUND)))
    check()
    const observer = new MutationObserver(check)
    observer.observe(element, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [])
  return (
    <div ref={ref} style={{ display: 'contents' }}>
      <OriginalComponent {...props} />
      {notFound && (
        <Box p="xl" data-testid="not-found-back">
          <Button as={Link} to={`/admin/resources/${resourceId}`} variant="contained">Back to the list</Button>
        </Box>
      )}
    </div>
  )
}

export default RecordActionRoute
