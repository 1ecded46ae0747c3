// Placeholder until this page is written (issue 15, in progress).
export default { id: 'evaluation', title: 'evaluation', nav: false, visible: () => false, render: () => {} };
