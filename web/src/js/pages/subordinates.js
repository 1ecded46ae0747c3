// Placeholder until this page is written (issue 15, in progress).
export default { id: 'subordinates', title: 'subordinates', nav: false, visible: () => false, render: () => {} };
