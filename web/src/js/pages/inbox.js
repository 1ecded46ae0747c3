// Placeholder until this page is written (issue 15, in progress).
export default { id: 'inbox', title: 'inbox', nav: false, visible: () => false, render: () => {} };
