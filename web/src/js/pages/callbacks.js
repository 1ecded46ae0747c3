// Placeholder until this page is written (issue 15, in progress).
export default { id: 'callbacks', title: 'callbacks', nav: false, visible: () => false, render: () => {} };
