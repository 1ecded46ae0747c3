// Placeholder until written: the unit's actions on the ticket page.
// actions(view, ctx, reload) → Node[]: view is GET /api/v1/tickets/{no}.
export function actions() { return []; }
