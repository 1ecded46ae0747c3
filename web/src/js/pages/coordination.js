// Placeholder until this page is written (issue 15, in progress).
export default { id: 'coordination', title: 'coordination', nav: false, visible: () => false, render: () => {} };
