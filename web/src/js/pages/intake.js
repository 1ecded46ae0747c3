// Placeholder until this page is written (issue 15, in progress).
export default { id: 'intake', title: 'intake', nav: false, visible: () => false, render: () => {} };
