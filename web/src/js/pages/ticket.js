// Placeholder until this page is written (issue 15, in progress).
export default { id: 'ticket', title: 'ticket', nav: false, visible: () => false, render: () => {} };
