// Who the signed-in account is, for showing pages and actions. The server
// decides (the route table); this only hides what would be refused.
export const is = {
  office: (u) => !!u && u.office,
  operator: (u) => !!u && u.office && u.roles.includes('operator'),
  supervisor: (u) => !!u && u.office && u.roles.includes('supervisor'),
  unitStaff: (u) => !!u && !u.office && (u.roles.includes('liaison') || u.roles.includes('handler')),
  liaison: (u) => !!u && !u.office && u.roles.includes('liaison'),
  handler: (u) => !!u && !u.office && u.roles.includes('handler'),
};
