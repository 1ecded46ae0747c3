// Placeholder until this page is written (issue 15, in progress).
export default { id: 'board', title: 'board', nav: false, visible: () => false, render: () => {} };
