import React from 'react'
import { pageLayout } from './page-layout.js'

// AdminJS's record page, drawn from the layout the panel loaded (page-layout.js).
const ShowAction = ({ OriginalComponent, ...props }) => {
  const layout = pageLayout(props.action, props.resource)
  return <OriginalComponent {...props} action={layout === props.action.layout ? props.action : { ...props.action, layout }} />
}

export default ShowAction
